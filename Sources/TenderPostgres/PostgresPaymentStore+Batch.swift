import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore {
    /// Applies the items in one transaction: one statement locks every attempt (in id order, so
    /// batches never deadlock each other), one locks every claimed task, and the writes of the
    /// independent transitions go out as a handful of set-based statements (``BatchWrites``), the
    /// others' in pipelines. The result equals applying the items one after the other: an attempt
    /// named twice is read back before its second input, the payment a transition completes counts
    /// as completed for the items after it, and a transition that gives an attempt its session
    /// replays the parked webhooks at once.
    public func applyBatch(_ items: [BatchInput], machine: AttemptMachine, now: Date) async throws -> [Result<Transition, StoreError>] {
        guard !items.isEmpty else { return [] }
        return try await withTransaction { connection in
            let results = try await applyBatch(items, machine: machine, now: now, on: connection).results
            return (results, try await commit(announcingEventsOf: results, on: connection))
        }
    }

    public func fireDeadlines(dueBy now: Date, limit: Int, owner: String, machine: AttemptMachine) async throws
        -> [FiredDeadline]
    {
        try await withTransaction { connection in
            // The deadlines come from a queue: the transaction plans with index scans only.
            let rows = try await connection.pipeline([Self.indexScansOnly, PostgresStatement(Self.lockDueDeadlinesSQL, [now, limit])])[1]
            var locked = LockedRows(reads: 1)
            var claims: [TaskClaim] = []
            for row in rows {
                let claim = try TaskClaim(lockedRow: row, owner: owner, now: now)
                claims.append(claim)
                try locked.add(attemptRow: row)
                // Held by this transaction's lock, the task is this claim's; an attempt has one deadline.
                locked.tasks[TaskKey(attemptID: claim.attemptID, kind: claim.kind)] = LockedTask(
                    fence: claim.fence, generation: claim.generation, owner: owner)
            }
            guard !claims.isEmpty else { return ([], nil) }
            let items = claims.map { BatchInput(input: .deadlineReached, attemptID: $0.attemptID, claim: $0) }
            let results = try await applyBatch(items, machine: machine, now: now, locked: locked, on: connection).results
            return (zip(claims, results).map { FiredDeadline(claim: $0, result: $1) }, try await commit(announcingEventsOf: results, on: connection))
        }
    }

    /// Commits a batch, with the `NOTIFY` of the events its transitions appended when it carries
    /// its notice; returns the notice, which the caller follows once the batch has committed.
    private func commit(
        announcingEventsOf results: [Result<Transition, StoreError>], on connection: isolated PostgresConnection
    ) async throws -> EventNotice? {
        let appended = results.contains { result in (try? result.get())?.events.isEmpty == false }
        let notice = appended ? announcer.notice() : nil
        _ = try await connection.pipeline((notice?.statements ?? []) + [PostgresStatement("COMMIT")])
        return notice
    }

    /// Locks the deadlines due by `$1`, at most `$2`, with their attempts and payments, and reads
    /// them all: the claims and the rows ``applyBatch(_:machine:now:on:)`` would lock and read.
    /// The tasks are not leased: the firing transaction deletes each, so a lease would be written
    /// only to be thrown away, and the lock is the claim.
    static let lockDueDeadlinesSQL = dueDeadlines(
        selecting: "t.attempt_id, t.kind, t.reason, t.due_at, t.fence, t.generation, t.tries, \(AttemptRow.columns), p.completed_attempt_id",
        dueBy: "$1", limit: "$2")

    /// ``applyBatch(_:machine:now:)`` inside the caller's transaction, with what its locks and its
    /// writes sent (not counting the one-by-one transitions of attempts named twice).
    func applyBatch(
        _ items: [BatchInput], machine: AttemptMachine, now: Date, on connection: isolated PostgresConnection
    ) async throws -> (results: [Result<Transition, StoreError>], traffic: BatchPipeline.Traffic) {
        try await applyBatch(items, machine: machine, now: now, locked: try await lockBatch(items, on: connection), on: connection)
    }

    /// The batch's items applied over `locked`, the rows they read, held locked by this
    /// transaction.
    private func applyBatch(
        _ items: [BatchInput], machine: AttemptMachine, now: Date, locked: LockedRows, on connection: isolated PostgresConnection
    ) async throws -> (results: [Result<Transition, StoreError>], traffic: BatchPipeline.Traffic) {
        var locked = locked
        var writes = BatchPipeline(now: now)
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
                    .applied.transition
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
            var completion: (claim: TaskClaim, sameGeneration: Bool)?
            if let claim = item.claim {
                guard let task = locked.tasks[TaskKey(attemptID: claim.attemptID, kind: claim.kind)],
                    task.fence == claim.fence, task.owner == claim.owner
                else {
                    results.append(.failure(Self.lostLease(claim)))
                    continue
                }
                completion = (claim, task.generation == claim.generation)
            }
            let context = PaymentContext(completedAttemptID: locked.completed[attempt.paymentID] ?? nil)
            let (transition, quietPoll) = AppliedInput.transition(of: item.input, to: attempt, context: context, machine: machine, now: now)
            if quietPoll != nil || BatchWrites.accepts(transition) {
                if let completion {
                    writes.set.complete(completion.claim, sameGeneration: completion.sameGeneration)
                }
                if let quietPoll {
                    writes.set.add(quietPoll, of: attempt)
                } else {
                    writes.set.add(transition, of: item.input)
                }
            } else {
                let applied = AppliedInput(
                    transition, quietPoll: quietPoll, of: item.input, to: attempt,
                    completion: completion.map { Self.completion(of: $0.claim, sameGeneration: $0.sameGeneration) }, now: now)
                writes.add(applied.statements, checking: applied.updateIndex)
            }
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
        writes.traffic.statements += locked.reads
        writes.traffic.roundTrips += 1
        return (results, writes.traffic)
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
        /// How many statements read them, in one round trip.
        var reads = 0

        /// Adds an attempt read from a row with ``AttemptRow/columns`` and its payment's
        /// `completed_attempt_id`.
        mutating func add(attemptRow row: PostgresRow) throws {
            let attempt = try AttemptRow.decode(row)
            attempts[attempt.id] = attempt
            completed[attempt.paymentID] = try row.decode(UUID?.self, column: "completed_attempt_id").map(AttemptID.init)
        }
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
        var locked = LockedRows(reads: reads.count)
        for row in results[0] {
            try locked.add(attemptRow: row)
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

/// Writes of a batch waiting to be sent: the independent transitions' set-based statements and
/// the others' own, with the versioned updates of attempts and how many rows each must touch.
struct BatchPipeline {
    /// What a batch sent.
    struct Traffic: Sendable, Hashable {
        /// Statements sent.
        var statements = 0
        /// Pipelines sent, each one round trip.
        var roundTrips = 0
    }

    /// Statements sent in one pipeline at most; libpq's buffers stay small.
    static let maximumLength = 400

    /// The independent transitions' writes, sent first.
    var set: BatchWrites
    /// What was sent so far.
    var traffic = Traffic()
    private var statements: [PostgresStatement] = []
    private var checked: [Int] = []

    /// An empty pipeline for transitions made at `now`.
    init(now: Date) {
        set = BatchWrites(now: now)
    }

    /// Queues statements, of which the one at `checkedIndex` must touch exactly one row.
    mutating func add(_ more: [PostgresStatement], checking checkedIndex: Int) {
        checked.append(statements.count + checkedIndex)
        statements += more
    }

    /// Sends what is queued; a versioned update that missed a row aborts the batch.
    mutating func flush(on connection: isolated PostgresConnection) async throws {
        let (setStatements, setUpdates) = set.statements()
        var expected = setUpdates
        for index in checked {
            expected[setStatements.count + index] = 1
        }
        let all = setStatements + statements
        var start = 0
        while start < all.count {
            let end = min(all.count, start + Self.maximumLength)
            let results = try await connection.pipeline(Array(all[start..<end]))
            traffic.statements += end - start
            traffic.roundTrips += 1
            for (index, rows) in expected where index >= start && index < end && results[index - start].affectedRows != rows {
                throw StoreError(.fencedOut, "an attempt changed under its lock")
            }
            start = end
        }
        set = BatchWrites(now: set.now)
        statements.removeAll(keepingCapacity: true)
        checked.removeAll(keepingCapacity: true)
    }
}
