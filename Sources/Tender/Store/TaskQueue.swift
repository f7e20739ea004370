import Foundation

/// The follow-up tasks of attempts (gateway calls, polls, deadlines), claimed by workers under
/// leases.
public protocol TaskQueue: Sendable {
    /// Claims up to `limit` tasks due by `dueBy`, each under a lease held by `owner` until
    /// `now + lease`, skipping tasks other workers hold. Tasks outside the poll budget come first,
    /// earliest first; at most `pollLimit` polls (``TaskPurpose/isBudgeted``) fill the rest.
    func claimTasks(owner: String, dueBy: Date, limit: Int, pollLimit: Int, lease: Duration, now: Date) async throws -> [TaskClaim]

    /// The due times of unleased tasks due by `dueBy`, earliest first, for a worker's timer heap.
    func upcomingTasks(dueBy: Date, limit: Int) async throws -> [ScheduledTask]

    /// Extends the leases of claims still held by `owner`; returns the claims it still holds.
    func extendLeases(_ claims: [TaskClaim], owner: String, lease: Duration, now: Date) async throws -> [TaskClaim]

    /// Gives claimed tasks back unfinished, due at once, for another worker (a graceful shutdown).
    func release(_ claims: [TaskClaim]) async throws

    /// Frees the tasks whose leases lapsed (their worker died); returns how many.
    func recoverLapsedLeases(now: Date) async throws -> Int

    /// Frees every task leased by `owner` without waiting for the leases to lapse: a worker calls
    /// it when it starts, since no earlier process of the same name can still finish its claims.
    /// Returns how many.
    func releaseLeases(owner: String) async throws -> Int
}

extension TaskQueue {
    /// Claims up to `limit` due tasks of any kind; see ``claimTasks(owner:dueBy:limit:pollLimit:lease:now:)``.
    public func claimTasks(owner: String, dueBy: Date, limit: Int, lease: Duration, now: Date) async throws -> [TaskClaim] {
        try await claimTasks(owner: owner, dueBy: dueBy, limit: limit, pollLimit: limit, lease: lease, now: now)
    }
}
