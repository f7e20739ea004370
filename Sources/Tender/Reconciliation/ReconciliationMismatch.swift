/// One way Tender's records and the gateway's disagree about a session.
public struct ReconciliationMismatch: Sendable, Hashable, Codable {
    /// The payment.
    public var paymentID: PaymentID
    /// The attempt whose session disagrees.
    public var attemptID: AttemptID
    /// The gateway's session.
    public var sessionID: String
    /// What disagrees: `status`, `amount`, `currency`, `amount_refunded`, or `retrieve` when the
    /// session could not be read.
    public var field: String
    /// Tender's value.
    public var tender: String
    /// The gateway's value (or the error, for `retrieve`).
    public var gateway: String

    /// Creates a mismatch.
    public init(paymentID: PaymentID, attemptID: AttemptID, sessionID: String, field: String, tender: String, gateway: String) {
        self.paymentID = paymentID
        self.attemptID = attemptID
        self.sessionID = sessionID
        self.field = field
        self.tender = tender
        self.gateway = gateway
    }

    private enum CodingKeys: String, CodingKey {
        case paymentID = "payment_id"
        case attemptID = "attempt_id"
        case sessionID = "session_id"
        case field, tender, gateway
    }
}
