import Foundation
import LibPQ
import Tender

extension TaskClaim {
    /// The claim a leasing statement returned (a whole `tasks` row), or nil for a kind this version
    /// does not know.
    init?(row: PostgresRow, owner: String) throws {
        guard let kind = TaskKind(rawValue: try row.decode(String.self, column: "kind")) else { return nil }
        self.init(
            attemptID: AttemptID(rawValue: try row.decode(UUID.self, column: "attempt_id")),
            kind: kind,
            reason: try row.decode(String.self, column: "reason"),
            dueAt: try row.decode(Date.self, column: "due_at"),
            owner: owner,
            fence: try row.decode(Int64.self, column: "fence"),
            generation: try row.decode(Int64.self, column: "generation"),
            tries: try row.decode(Int.self, column: "tries"),
            leaseExpiresAt: try row.decode(Date.self, column: "lease_expires_at")
        )
    }
}
