/// The answer to a refund request.
public struct RequestedRefund: Sendable, Hashable {
    /// The refund, new or replayed.
    public var refund: Refund
    /// Whether the idempotency key had been seen (nothing new was stored).
    public var replayed: Bool

    /// Creates an answer.
    public init(refund: Refund, replayed: Bool) {
        self.refund = refund
        self.replayed = replayed
    }
}
