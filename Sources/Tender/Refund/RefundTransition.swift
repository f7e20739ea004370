/// The result of applying one gateway answer to a refund: its next value and what to tell the
/// order system.
public struct RefundTransition: Sendable, Hashable {
    /// The refund before the answer; `nil` for a new request.
    public var previous: Refund?
    /// The refund after it, with the next version.
    public var refund: Refund
    /// The event for the order system, when the refund became final.
    public var event: OrderEventType?
    /// A short account of the transition for the refund's history.
    public var note: String

    /// Creates a transition.
    public init(previous: Refund?, refund: Refund, event: OrderEventType?, note: String) {
        self.previous = previous
        self.refund = refund
        self.event = event
        self.note = note
    }

    /// Whether the refund's state changed.
    public var changedState: Bool { previous?.state != refund.state }
}
