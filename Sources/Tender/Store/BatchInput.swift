/// One input of ``AttemptTransitions/applyBatch(_:machine:now:)``.
public struct BatchInput: Sendable, Hashable {
    /// What happened.
    public var input: AttemptInput
    /// The attempt it happened to.
    public var attemptID: AttemptID
    /// The claimed task the input completes, if any.
    public var claim: TaskClaim?

    /// Creates a batch item.
    public init(input: AttemptInput, attemptID: AttemptID, claim: TaskClaim? = nil) {
        self.input = input
        self.attemptID = attemptID
        self.claim = claim
    }
}
