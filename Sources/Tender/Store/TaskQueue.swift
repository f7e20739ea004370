import Foundation

/// The follow-up tasks of attempts (gateway calls, polls, deadlines), claimed by workers under
/// leases.
///
/// Leases are stamped and judged by the store's clock, never a worker's: a worker whose clock
/// runs fast cannot take the tasks of a live one.
public protocol TaskQueue: Sendable {
    /// Claims tasks due by `dueBy`, each under a lease held by `owner` for `lease`, skipping tasks
    /// other workers hold: up to `limit` tasks that make gateway calls — those outside the poll
    /// budget first, earliest first, then at most `pollLimit` polls (``TaskPurpose/isBudgeted``)
    /// — and up to `deadlineLimit` deadlines, earliest first, skipping those whose attempt or
    /// payment another transaction holds locked. The engine fires deadlines with
    /// ``AttemptTransitions/fireDeadlines(dueBy:limit:owner:machine:)`` and claims them
    /// here only to apply each alone after such a batch failed.
    ///
    /// Each task comes with its attempt as the claim read it, so that running it needs no read.
    func claimTasks(owner: String, dueBy: Date, limit: Int, pollLimit: Int, deadlineLimit: Int, lease: Duration) async throws -> [ReadyTask]

    /// The due times of unleased tasks due by `dueBy`, earliest first, for a worker's timer heap.
    func upcomingTasks(dueBy: Date, limit: Int) async throws -> [ScheduledTask]

    /// Extends the leases of claims still held by `owner`; returns the claims it still holds.
    func extendLeases(_ claims: [TaskClaim], owner: String, lease: Duration) async throws -> [TaskClaim]

    /// Gives claimed tasks back unfinished, due at once, for another worker (a graceful shutdown).
    func release(_ claims: [TaskClaim]) async throws

    /// Frees the tasks whose leases lapsed (their worker died); returns how many.
    func recoverLapsedLeases() async throws -> Int

    /// Frees every task leased by `owner` without waiting for the leases to lapse: a worker calls
    /// it when it starts, holding its id (``holdWorkerID(_:waitingUpTo:)``), since no earlier
    /// process of the same name can still finish its claims. Returns how many.
    func releaseLeases(owner: String) async throws -> Int

    /// Takes the worker id for as long as the returned hold is kept, waiting up to `wait` for a
    /// process that just ended to let go of it. Throws ``StoreError/Code/workerIDInUse`` when a
    /// live worker holds the id: two workers of one name would free each other's leases.
    func holdWorkerID(_ workerID: String, waitingUpTo wait: Duration) async throws -> any WorkerIDHold
}

extension TaskQueue {
    /// Claims up to `limit` due tasks making calls and up to `limit` deadlines, and returns the
    /// claims alone; see ``claimTasks(owner:dueBy:limit:pollLimit:deadlineLimit:lease:)``.
    public func claimTasks(owner: String, dueBy: Date, limit: Int, lease: Duration) async throws -> [TaskClaim] {
        try await claimTasks(owner: owner, dueBy: dueBy, limit: limit, pollLimit: limit, deadlineLimit: limit, lease: lease).map(\.claim)
    }
}
