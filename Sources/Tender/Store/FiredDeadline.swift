/// A deadline claimed and fired in one transaction
/// (``AttemptTransitions/fireDeadlines(dueBy:limit:owner:machine:)``).
public struct FiredDeadline: Sendable {
    /// The deadline's claim, completed by its firing: held by the firing transaction's row lock,
    /// not a lease, so its lease expiry is the firing time.
    public var claim: TaskClaim
    /// Its transition, or why it was refused.
    public var result: Result<Transition, StoreError>

    /// Creates a fired deadline.
    public init(claim: TaskClaim, result: Result<Transition, StoreError>) {
        self.claim = claim
        self.result = result
    }
}
