/// What the gateway said about a refund.
public enum RefundInput: Sendable, Hashable {
    /// The refund call was answered.
    case answered(GatewayRefund)
    /// The refund call did not return a refund.
    case callFailed(GatewayError)
    /// The refund was read back from the gateway.
    case retrieved(GatewayRefund)
    /// Reading the refund back failed.
    case retrieveFailed(GatewayError)

    /// A short snake_case name for the history.
    public var name: String {
        switch self {
        case .answered: "refund_answered"
        case .callFailed: "refund_call_failed"
        case .retrieved: "refund_retrieved"
        case .retrieveFailed: "refund_retrieve_failed"
        }
    }
}
