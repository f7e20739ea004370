import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore {
    /// Applies the items in one transaction: one statement locks every attempt (in id order, so
    /// batches never deadlock each other), one locks every claimed task, and the writes of all
    /// transitions go out in pipelines. The result equals applying the items one after the other:
    /// an attempt named twice is read back before its second input, the payment a transition
    /// completes counts as completed for the items after it, and a transition that gives an attempt
    /// its session replays the parked webhooks at once.
    public func applyBatch(_ items: [BatchInput], machine: AttemptMachine, now: Date) async throws -> [Result<Transition, StoreError>] {
        guard !items.isEmpty else { return [] }
        return try await pool.withTransaction { connection in
            try await applyBatch(items, machine: machine, now: now, on: connection)
        }
    }

    private func applyBatch(
        _ items: [BatchInput], machine: AttemptMachine, now: Date, on connection: isolated PostgresConnection
    ) async throws -> [Result<Transition, StoreError>] {
        var locked = try await lockBatch(items, on: connection)
        var writes = BatchPipeline()
        var touched = Set<AttemptID>()
        var results: [Result<Transition, StoreError>] = []
        results.reserveCapacity(items.count)
        for item in items {
            if touched.contains(item.attemptID) {
                // Its earlier transition is written first; the one-by-one path reads it back.
                try await writes.flush(on: connection)
                if let claim = item.claim, let refusal = try await Self.refusal(of: claim, on: connection) {
                    results.append(.failure(refusal))
                    continue
                }
                let transition = try await transition(item.attemptID, item.input, machine: machine, completing: item.claim, now: now, on: connection)
                    .transition
                if transition.completesPayment, (locked.completed[transition.attempt.paymentID] ?? nil) == nil {
                    locked.completed[transition.attempt.paymentID] = transition.attempt.id
                }
                results.append(.success(transition))
                continue
            }
            guard let attempt = locked.attempts[item.attemptID] else {
                results.append(.failure(StoreError(.notFound, "no attempt \(item.attemptID)")))
                continue
            }
            var completion: PostgresStatement?
            if let claim = item.claim {
                guard let task = locked.tasks[TaskKey(attemptID: claim.attemptID, kind: claim.kind)],
                    task.fence == claim.fence, task.owner == claim.owner
                else {
                    results.append(.failure(Self.lostLease(claim)))
                    continue
                }
                completion = Self.completion(of: claim, sameGeneration: task.generation == claim.generation)
            }
            let context = PaymentContext(completedAttemptID: locked.completed[attempt.paymentID] ?? nil)
            let applied = AppliedInput(item.input, to: attempt, context: context, machine: machine, completion: completion, now: now)
            let transition = applied.transition
            writes.add(applied.statements, checking: applied.updateIndex)
            touched.insert(attempt.id)
            if transition.completesPayment, context.completedAttemptID == nil {
                locked.completed[attempt.paymentID] = attempt.id
            }
            if attempt.sessionID == nil, let sessionID = transition.attempt.sessionID {
                try await writes.flush(on: connection)
                try await replayParkedWebhooks(for: sessionID, attemptID: attempt.id, machine: machine, now: now, on: connection)
            }
            results.append(.success(transition))
        }
        try await writes.flush(on: connection)
        return results
    }

    /// Identifies a task: an attempt has at most one of each kind.
    private struct TaskKey: Hashable {
        var attemptID: AttemptID
        var kind: TaskKind
    }

    /// What a claimed task looked like under its lock.
    private struct LockedTask {
        var fence: Int64
        var generation: Int64
        var owner: String?
    }

    /// The rows a batch holds locked.
    private struct LockedRows {
        var attempts: [AttemptID: Attempt] = [:]
        /// The attempt that completed each payment, `nil` for none yet.
        var completed: [PaymentID: AttemptID?] = [:]
        var tasks: [TaskKey: LockedTask] = [:]
    }

    /// Locks the batch's attempts with their payments, then its claimed tasks, and reads them.
    private func lockBatch(_ items: [BatchInput], on connection: isolated PostgresConnection) async throws -> LockedRows {
        let ids = Set(items.map(\.attemptID))
        let claims = items.compactMap(\.claim)
        var reads = [
            PostgresStatement(
                """
                SELECT \(AttemptRow.columns), p.completed_attempt_id
                FROM attempts a JOIN payments p ON p.id = a.payment_id
                WHERE a.id = ANY($1::uuid[]) ORDER BY a.id FOR UPDATE
                """,
                [Self.arrayLiteral(ids.map(\.description))]
            )
        ]
        if !claims.isEmpty {
            reads.append(
                PostgresStatement(
                    """
                    SELECT t.attempt_id, t.kind, t.fence, t.generation, t.lease_owner
                    FROM tasks t JOIN unnest($1::uuid[], $2::text[]) AS c (attempt_id, kind)
                        ON t.attempt_id = c.attempt_id AND t.kind = c.kind
                    ORDER BY t.attempt_id, t.kind FOR UPDATE OF t
                    """,
                    [Self.arrayLiteral(claims.map(\.attemptID.description)), Self.arrayLiteral(claims.map(\.kind.rawValue))]
                ))
        }
        let results = try await connection.pipeline(reads)
        var locked = LockedRows()
        for row in results[0] {
            let attempt = try AttemptRow.decode(row)
            locked.attempts[attempt.id] = attempt
            locked.completed[attempt.paymentID] = try row.decode(UUID?.self, column: "completed_attempt_id").map(AttemptID.init)
        }
        for row in results.dropFirst().flatMap({ $0 }) {
            let key = TaskKey(
                attemptID: AttemptID(rawValue: try row.decode(UUID.self, column: "attempt_id")),
                kind: try row.decode(TaskKind.self, column: "kind", table: "tasks")
            )
            locked.tasks[key] = LockedTask(
                fence: try row.decode(Int64.self, column: "fence"),
                generation: try row.decode(Int64.self, column: "generation"),
                owner: try row.decode(String?.self, column: "lease_owner")
            )
        }
        return locked
    }

    /// The refusal of a claim that no longer holds its task, read under the task's lock.
    private static func refusal(of claim: TaskClaim, on connection: isolated PostgresConnection) async throws -> StoreError? {
        let rows = try await connection.query(
            "SELECT fence, lease_owner FROM tasks WHERE attempt_id = $1 AND kind = $2 FOR UPDATE",
            [claim.attemptID.rawValue, claim.kind.rawValue]
        )
        guard let task = rows.first,
            try task.decode(Int64.self, column: "fence") == claim.fence,
            try task.decode(String?.self, column: "lease_owner") == claim.owner
        else { return lostLease(claim) }
        return nil
    }

    private static func lostLease(_ claim: TaskClaim) -> StoreError {
        StoreError(.fencedOut, "the \(claim.kind.rawValue) task of attempt \(claim.attemptID) is no longer held by \(claim.owner)")
    }

    /// A PostgreSQL array literal of plain tokens (UUIDs, snake_case names: nothing to escape).
    private static func arrayLiteral(_ values: [String]) -> String {
        "{" + values.joined(separator: ",") + "}"
    }
}

/// Statements of a batch waiting to be sent, with the ones that must touch exactly one row (the
/// versioned updates of attempts).
struct BatchPipeline {
    /// Statements sent in one pipeline at most; libpq's buffers stay small.
    static let maximumLength = 400

    private var statements: [PostgresStatement] = []
    private var checked: [Int] = []

    /// Queues statements, of which the one at `checkedIndex` must touch exactly one row.
    mutating func add(_ more: [PostgresStatement], checking checkedIndex: Int) {
        checked.append(statements.count + checkedIndex)
        statements += more
    }

    /// Sends what is queued; a versioned update that missed its row aborts the batch.
    mutating func flush(on connection: isolated PostgresConnection) async throws {
        var start = 0
        while start < statements.count {
            let end = min(statements.count, start + Self.maximumLength)
            let results = try await connection.pipeline(Array(statements[start..<end]))
            for index in checked where index >= start && index < end && results[index - start].affectedRows != 1 {
                throw StoreError(.fencedOut, "an attempt changed under its lock")
            }
            start = end
        }
        statements.removeAll(keepingCapacity: true)
        checked.removeAll(keepingCapacity: true)
    }
}
