/// What a transition of one attempt must know about its payment's other attempts.
public struct PaymentContext: Sendable, Hashable {
    /// The attempt that completed the payment first, if any.
    public var completedAttemptID: AttemptID?

    /// Creates a context.
    public init(completedAttemptID: AttemptID? = nil) {
        self.completedAttemptID = completedAttemptID
    }
}
