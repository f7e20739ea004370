import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore {
    public func submit(_ request: SubmitRequest, machine: AttemptMachine, leasing lease: FollowUpLease?, now: Date) async throws -> SubmitResult {
        let submission = request.submission
        return try await pool.withTransaction { connection in
            let reads = try await connection.pipeline([
                PostgresStatement(
                    "INSERT INTO payments (id, amount, currency, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
                    [submission.paymentID.rawValue, submission.amount.minorUnits, submission.amount.currency.code, now]
                ),
                PostgresStatement(
                    "SELECT amount, currency, completed_attempt_id FROM payments WHERE id = $1 FOR UPDATE",
                    [submission.paymentID.rawValue]
                ),
                PostgresStatement(
                    "SELECT \(AttemptRow.columns), a.request FROM attempts a WHERE a.idempotency_key = $1",
                    [request.idempotencyKey]
                ),
                PostgresStatement(
                    "SELECT 1 FROM attempts WHERE payment_id = $1 AND state IN ('submitted', 'awaiting_confirmation') LIMIT 1",
                    [submission.paymentID.rawValue]
                ),
            ])
            if let existing = reads[2].first {
                guard try existing.decode(String.self, column: "request") == request.fingerprint else {
                    throw StoreError(.idempotencyConflict, "the idempotency key was used with a different request")
                }
                return SubmitResult(replayOf: try AttemptRow.decode(existing))
            }
            guard let payment = reads[1].first else {
                throw StoreError(.notFound, "payment \(submission.paymentID) vanished")
            }
            guard try payment.decode(Int64.self, column: "amount") == submission.amount.minorUnits,
                try payment.decode(String.self, column: "currency") == submission.amount.currency.code
            else {
                throw StoreError(.paymentMismatch, "payment \(submission.paymentID) exists with another amount or currency")
            }
            guard try payment.decode(UUID?.self, column: "completed_attempt_id") == nil else {
                throw StoreError(.paymentCompleted, "payment \(submission.paymentID) is already paid")
            }
            guard reads[3].first == nil else {
                throw StoreError(.attemptInFlight, "payment \(submission.paymentID) has an attempt waiting for its outcome")
            }
            let transition = machine.submit(submission, now: now)
            let writes = TransitionWrites(transition: transition, cause: .submit(request), now: now, lease: lease)
            let written: [PostgresRows]
            do {
                written = try await connection.pipeline(writes.statements + [PostgresStatement("COMMIT")])
            } catch let error as PostgresError where error.code == .uniqueViolation {
                throw StoreError(.idempotencyConflict, "the idempotency key was used with a different payment")
            }
            return SubmitResult(transition: transition, followUps: try writes.followUps(in: written, offset: 0))
        }
    }
}
