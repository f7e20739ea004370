import Foundation
import LibPQ
import Tender

extension TaskClaim {
    /// The claim a leasing statement returned (a whole `tasks` row).
    /// - Throws: ``RowDecodingError`` for a kind, or a reason of its kind, that this version does not know.
    init(row: PostgresRow, owner: String) throws {
        try self.init(row: row, owner: owner, leaseExpiresAt: try row.decode(Date.self, column: "lease_expires_at"))
    }

    /// The claim of a task that `owner`'s transaction holds locked at `now` instead of leasing it:
    /// the lock is the claim, and it ends with the transaction.
    init(lockedRow row: PostgresRow, owner: String, now: Date) throws {
        try self.init(row: row, owner: owner, leaseExpiresAt: now)
    }

    private init(row: PostgresRow, owner: String, leaseExpiresAt: Date) throws {
        self.init(
            attemptID: AttemptID(rawValue: try row.decode(UUID.self, column: "attempt_id")),
            purpose: try TaskPurpose(row: row),
            dueAt: try row.decode(Date.self, column: "due_at"),
            owner: owner,
            fence: try row.decode(Int64.self, column: "fence"),
            generation: try row.decode(Int64.self, column: "generation"),
            tries: try row.decode(Int.self, column: "tries"),
            leaseExpiresAt: leaseExpiresAt
        )
    }
}

extension TaskPurpose {
    /// The purpose a `tasks` row stores as its kind and reason.
    /// - Throws: ``RowDecodingError`` for a kind, or a reason of its kind, that this version does not know.
    init(row: PostgresRow) throws {
        let kind = try row.decode(TaskKind.self, column: "kind", table: "tasks")
        self = try RowDecodingError.parse(
            row.decode(String.self, column: "reason"), { TaskPurpose(kind: kind, reason: $0) },
            table: "tasks", column: "reason", expected: "reason for a \(kind.rawValue) task"
        )
    }
}
