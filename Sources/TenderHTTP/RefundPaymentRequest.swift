import Tender

/// The body of `POST /v1/payments/{payment_id}/refunds`: both fields optional.
struct RefundPaymentRequest: Decodable, Sendable {
    /// How much, in minor units; absent for everything not refunded yet.
    var amount: Int64?
    /// Why, as the gateway names it; absent for `requested_by_customer`.
    var reason: String?

    enum CodingKeys: String, CodingKey, CaseIterable {
        case amount, reason
    }

    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, known: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.amount = try container.decodeIfPresent(Int64.self, forKey: .amount)
        self.reason = try container.decodeIfPresent(String.self, forKey: .reason)
    }

    /// The reason as a domain value.
    /// - Throws: 422 `invalid_reason` for a reason the gateway does not know.
    func refundReason() throws -> RefundReason {
        guard let reason else { return .requestedByCustomer }
        guard let known = RefundReason(rawValue: reason) else {
            throw APIError(
                .unprocessableContent, code: "invalid_reason", message: "reason: must be requested_by_customer, duplicated or fraudulent")
        }
        return known
    }
}
