/// One gateway answer for one refund, as a refund task applies it.
public struct RefundAnswer: Sendable, Hashable {
    /// The refund.
    public var refundID: RefundID
    /// What the gateway said.
    public var input: RefundInput

    /// Creates an answer.
    public init(refundID: RefundID, input: RefundInput) {
        self.refundID = refundID
        self.input = input
    }
}
