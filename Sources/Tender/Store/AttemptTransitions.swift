import Foundation

/// Changes attempts: each method runs the ``AttemptMachine`` it is given inside one transaction.
/// It reads the attempt under a lock, computes the transition, and writes the new state, the
/// history row, the task changes and the outbox events together, or nothing. The store holds no
/// policy of its own; the engine owns the machine.
public protocol AttemptTransitions: Sendable {
    /// Stores a new attempt, or returns the existing one for a replayed idempotency key. With a
    /// `lease`, the new attempt's first gateway call is leased to its owner in the same transaction
    /// and returned in ``SubmitResult/followUps``.
    /// - Throws: ``StoreError`` with ``StoreError/Code/idempotencyConflict``,
    ///   ``StoreError/Code/attemptInFlight`` or ``StoreError/Code/paymentCompleted``.
    func submit(_ request: SubmitRequest, machine: AttemptMachine, leasing lease: FollowUpLease?, now: Date) async throws -> SubmitResult

    /// Applies one input to an attempt. When `claim` is given, the claimed task is completed in the
    /// same transaction, and the transition is refused with ``StoreError/Code/fencedOut`` unless the
    /// claim still holds its lease. With a `lease`, the tasks the transition makes due at once and
    /// nobody holds are leased to its owner in the same transaction, as a claim would.
    ///
    /// `known` is the attempt as the caller last saw it, if it has seen it: the store may compute
    /// the transition from it and write it at once, checking in the same transaction that nothing
    /// moved, and applies the input under the attempt's lock when something did. The outcome is
    /// the same either way.
    func apply(
        _ input: AttemptInput, to attemptID: AttemptID, machine: AttemptMachine, completing claim: TaskClaim?,
        leasing lease: FollowUpLease?, now: Date, knowing known: Attempt?
    ) async throws -> AppliedTransition

    /// Applies inputs to many attempts in one transaction, with the outcome of applying them one
    /// after the other with ``apply(_:to:machine:completing:leasing:now:)``: each item is locked, its claim's fence
    /// checked, its transition written with history, tasks and outbox events. An item that one
    /// application would refuse (``StoreError/Code/fencedOut`` for a lost lease,
    /// ``StoreError/Code/notFound``) is refused alone and writes nothing; any other failure
    /// rolls the whole batch back and is thrown.
    /// - Returns: one result per item, in order.
    func applyBatch(_ items: [BatchInput], machine: AttemptMachine, now: Date) async throws -> [Result<Transition, StoreError>]

    /// Claims up to `limit` deadlines due by `now`, earliest first, for `owner` (under the
    /// transaction's row locks: a deadline needs no lease, as nothing runs between its claim and
    /// its firing), and fires them
    /// (``AttemptInput/deadlineReached``) as ``applyBatch(_:machine:now:)`` would, in one
    /// transaction: a claim never outlives its firing, and a failure leaves every deadline due
    /// and unclaimed. A deadline whose task, attempt or payment another transaction holds locked
    /// is skipped, so firing never waits for a lock held by a transition and never deadlocks
    /// with one.
    /// - Returns: each fired deadline, earliest due first.
    func fireDeadlines(dueBy now: Date, limit: Int, owner: String, machine: AttemptMachine) async throws -> [FiredDeadline]
}

extension AttemptTransitions {
    /// Applies one input to an attempt read under its lock; see
    /// ``apply(_:to:machine:completing:leasing:now:knowing:)``.
    public func apply(
        _ input: AttemptInput, to attemptID: AttemptID, machine: AttemptMachine, completing claim: TaskClaim?,
        leasing lease: FollowUpLease?, now: Date
    ) async throws -> AppliedTransition {
        try await apply(input, to: attemptID, machine: machine, completing: claim, leasing: lease, now: now, knowing: nil)
    }
}
