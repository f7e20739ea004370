import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore {
    public func reconcilableAttempts(submittedSince date: Date) async throws -> [ReconcilableAttempt] {
        // A refund finishing between the reads would show the attempt and its refund at
        // different moments: a difference that is not there.
        let results = try await readInOneSnapshot([
            PostgresStatement(
                "SELECT \(AttemptRow.columns) FROM attempts a WHERE a.session_id IS NOT NULL AND a.submitted_at >= $1 ORDER BY a.submitted_at, a.id",
                [date]
            ),
            PostgresStatement(
                """
                SELECT \(RefundRow.columns) FROM refunds r JOIN attempts a ON a.id = r.attempt_id
                WHERE a.session_id IS NOT NULL AND a.submitted_at >= $1 ORDER BY r.requested_at, r.id
                """,
                [date]
            ),
        ])
        let refunds = Dictionary(grouping: try results[1].map(RefundRow.decode), by: \.attemptID)
        return try results[0].map(AttemptRow.decode).map { ReconcilableAttempt(attempt: $0, refunds: refunds[$0.id] ?? []) }
    }
}
