import Foundation

/// The status of a checkout session: only `open → completed` and `open → expired` exist.
public enum SandboxSessionStatus: String, Sendable, Hashable, Codable {
    /// Created, or paid and waiting for the payer to confirm.
    case open
    /// Paid.
    case completed
    /// No longer payable.
    case expired
}

/// One checkout session as the sandbox keeps it.
struct CheckoutSession: Sendable {
    let id: String
    var status: SandboxSessionStatus
    var amount: Int
    let currency: String
    let customerFirstname: String
    let customerLastname: String
    let customerEmail: String
    let successURL: String
    let cancelURL: String
    let notificationURL: String?
    let locale: String
    /// Unix seconds after which the session expires.
    let expireAt: Int
    let metadata: [String: String]?
    let createdAt: Date
    var amountRefunded = 0
    var refundIDs: [String] = []
    /// Every pay call on this session, accepted or not.
    var payCalls = 0
    /// Pay calls whose code the bank accepted.
    var acceptedPayCalls = 0
    /// Whether the bank holds this session until a test decides.
    var held = false
    /// Bumped whenever the bank's scheduled outcome for this session is cancelled, so stale
    /// timers do nothing.
    var bankGeneration = 0
    var completedAt: Date?
    var expiredAt: Date?

    /// Whether a pay on this session was accepted (pending or done).
    var codeAccepted: Bool { self.acceptedPayCalls > 0 }
}

/// The JSON of a checkout session, with exactly the field names of `convergegate-api.md`.
struct CheckoutSessionBody: Encodable {
    let session: CheckoutSession
    let refunds: [RefundBody]
    let baseURL: String
    let livemode: Bool

    enum CodingKeys: String, CodingKey {
        case id, status, currency, locale, url, fees, metadata, refunds, refunded, livemode
        case amountTotal = "amount_total"
        case amountSubTotal = "amount_sub_total"
        case amountRefunded = "amount_refunded"
        case customerFirstname = "customer_firstname"
        case customerLastname = "customer_lastname"
        case customerEmail = "customer_email"
        case customerPhone = "customer_phone"
        case successURL = "success_url"
        case cancelURL = "cancel_url"
        case expireAt = "expire_at"
        case paymentMethodTypes = "payment_method_types"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.session.id, forKey: .id)
        try container.encode(self.session.status, forKey: .status)
        try container.encode(self.session.amount, forKey: .amountTotal)
        try container.encode(self.session.amount, forKey: .amountSubTotal)
        try container.encode(self.session.amountRefunded, forKey: .amountRefunded)
        try container.encode(self.session.currency, forKey: .currency)
        try container.encode(self.session.customerFirstname, forKey: .customerFirstname)
        try container.encode(self.session.customerLastname, forKey: .customerLastname)
        try container.encode(self.session.customerEmail, forKey: .customerEmail)
        try container.encode("", forKey: .customerPhone)
        try container.encode(self.session.successURL, forKey: .successURL)
        try container.encode(self.session.cancelURL, forKey: .cancelURL)
        try container.encode(self.session.expireAt, forKey: .expireAt)
        try container.encode(["blik"], forKey: .paymentMethodTypes)
        try container.encode(self.session.locale, forKey: .locale)
        try container.encode("\(self.baseURL)/pay/\(self.session.id)", forKey: .url)
        try container.encodeNil(forKey: .fees)
        try container.encode(self.session.metadata, forKey: .metadata)
        try container.encode(self.refunds, forKey: .refunds)
        try container.encode(
            self.session.amountRefunded > 0 && self.session.amountRefunded >= self.session.amount,
            forKey: .refunded
        )
        try container.encode(self.livemode, forKey: .livemode)
    }
}
