import Foundation

/// What the engine needs from a payment gateway: open a session, hand it the payer's code, read the
/// truth about it, and refund it and read the refund back. Webhooks are verified before they reach the engine, by the
/// gateway's verifier at the HTTP edge.
///
/// Every call may be retried by the engine with the same idempotency key; an implementation passes
/// the key on to the gateway where the gateway supports one.
public protocol PaymentGateway: Sendable {
    /// The currencies the gateway takes; a submission in another is refused before anything is
    /// stored.
    var currencies: Set<Currency> { get }

    /// Opens a checkout session for one attempt.
    func createSession(_ request: SessionRequest, idempotencyKey: String) async throws(GatewayError) -> GatewaySession

    /// Hands the payer's BLIK code to the gateway for an open session.
    func pay(sessionID: String, code: BLIKCode, idempotencyKey: String) async throws(GatewayError) -> GatewaySession

    /// Reads the session as the gateway knows it: the only source of an outcome.
    func session(id: String) async throws(GatewayError) -> GatewaySession

    /// Refunds a completed session, all of it when `amount` is `nil`.
    func refund(sessionID: String, amount: Int64?, reason: RefundReason, idempotencyKey: String) async throws(GatewayError) -> GatewayRefund

    /// Reads a refund back: the only way to learn whether a pending refund settled.
    func refund(id: String) async throws(GatewayError) -> GatewayRefund
}

/// What a new checkout session is for.
public struct SessionRequest: Sendable, Hashable {
    /// The amount to collect.
    public var amount: Money
    /// The payer.
    public var customer: Customer
    /// When the session should stop accepting payment.
    public var expiresAt: Date
    /// Where the gateway should send this session's webhooks, if anywhere.
    public var notificationURL: String?
    /// Free-form labels stored with the session (Tender puts its payment and attempt ids here).
    public var metadata: [String: String]

    /// Creates a request.
    public init(amount: Money, customer: Customer, expiresAt: Date, notificationURL: String?, metadata: [String: String]) {
        self.amount = amount
        self.customer = customer
        self.expiresAt = expiresAt
        self.notificationURL = notificationURL
        self.metadata = metadata
    }
}

/// A checkout session as the gateway reported it.
public struct GatewaySession: Sendable, Hashable, Codable {
    /// The gateway's status of a session.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Created, or paid and waiting for the payer to confirm.
        case open
        /// Paid.
        case completed
        /// No longer payable.
        case expired
    }

    /// The gateway's session id.
    public var id: String
    /// The session's status.
    public var status: Status
    /// The amount in minor units.
    public var amount: Int64
    /// How much of it has been refunded, in minor units.
    public var amountRefunded: Int64
    /// The currency's upper-case ISO-4217 code, when the gateway said.
    public var currency: String?

    /// Creates a session value.
    public init(id: String, status: Status, amount: Int64, amountRefunded: Int64 = 0, currency: String? = nil) {
        self.id = id
        self.status = status
        self.amount = amount
        self.amountRefunded = amountRefunded
        self.currency = currency
    }

    /// What differs between this session and the attempt it was opened for (amount, currency),
    /// or `nil` when they agree.
    public func mismatch(with attempt: Attempt) -> String? {
        var differences: [String] = []
        if amount != attempt.amount.minorUnits {
            differences.append("amount \(amount) at the gateway, \(attempt.amount.minorUnits) ordered")
        }
        if let currency, currency != attempt.amount.currency.code {
            differences.append("currency \(currency) at the gateway, \(attempt.amount.currency.code) ordered")
        }
        return differences.isEmpty ? nil : differences.joined(separator: ", ")
    }
}

/// Why a refund is made.
public enum RefundReason: String, Sendable, Hashable, Codable {
    /// The payer asked for it.
    case requestedByCustomer = "requested_by_customer"
    /// The payment was charged twice.
    case duplicated
    /// The payment was fraudulent.
    case fraudulent
}

/// A refund as the gateway reported it.
public struct GatewayRefund: Sendable, Hashable, Codable {
    /// The state of a refund.
    public enum Status: String, Sendable, Hashable, Codable {
        /// Accepted, not yet settled.
        case pending
        /// Settled.
        case succeeded
        /// Refused by the gateway or bank.
        case failed
    }

    /// The gateway's refund id.
    public var id: String
    /// The refunded amount in minor units.
    public var amount: Int64
    /// The refund's state.
    public var status: Status

    /// Creates a refund value.
    public init(id: String, amount: Int64, status: Status) {
        self.id = id
        self.amount = amount
        self.status = status
    }
}
