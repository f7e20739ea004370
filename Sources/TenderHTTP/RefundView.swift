import Foundation
import Tender

/// One refund as the API shows it, in the answer to a refund request and in a payment.
struct RefundView: Encodable, Sendable {
    var refund: Refund

    init(_ refund: Refund) { self.refund = refund }

    enum CodingKeys: String, CodingKey {
        case refundID = "refund_id"
        case paymentID = "payment_id"
        case attemptID = "attempt_id"
        case amount, currency, reason, state, failure
        case requestedAt = "requested_at"
        case resolvedAt = "resolved_at"
    }

    /// Writes `null` for absent values, so that every key is always present.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(refund.id.description, forKey: .refundID)
        try container.encode(refund.paymentID, forKey: .paymentID)
        try container.encode(refund.attemptID.description, forKey: .attemptID)
        try container.encode(refund.amount.minorUnits, forKey: .amount)
        try container.encode(refund.amount.currency.code, forKey: .currency)
        try container.encode(refund.reason, forKey: .reason)
        try container.encode(refund.state, forKey: .state)
        try container.encode(refund.failure, forKey: .failure)
        try container.encode(refund.requestedAt, forKey: .requestedAt)
        try container.encode(refund.resolvedAt, forKey: .resolvedAt)
    }
}
