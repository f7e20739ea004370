import Foundation

/// What the sandbox did: the truth tests compare the engine against.
///
/// Read it in-process with ``ConvergeGateSandbox/ledger()``, or from another process with
/// `GET /_sandbox/ledger` (JSON, decode it with ``decode(from:)``).
public struct SandboxLedger: Sendable, Codable, Hashable {
    /// One checkout session.
    public struct Session: Sendable, Codable, Hashable {
        /// The session id.
        public var id: String
        /// Its status now.
        public var status: SandboxSessionStatus
        /// The amount in minor units.
        public var amount: Int
        /// The amount refunded so far (pending and succeeded refunds).
        public var amountRefunded: Int
        /// When it was created.
        public var createdAt: Date
        /// Every pay call on it, accepted or not (idempotent replays not counted).
        public var payCalls: Int
        /// Pay calls whose code the bank accepted; more than one would be a double payment.
        public var acceptedPayCalls: Int
        /// When it completed, if it did.
        public var completedAt: Date?
        /// When it expired, if it did.
        public var expiredAt: Date?
    }

    /// Money taken: one per completed session.
    public struct Charge: Sendable, Codable, Hashable {
        /// The session paid.
        public var sessionID: String
        /// The amount in minor units.
        public var amount: Int
        /// When the bank confirmed.
        public var completedAt: Date
    }

    /// One refund.
    public struct Refund: Sendable, Codable, Hashable {
        /// The refund id.
        public var id: String
        /// The session refunded.
        public var sessionID: String
        /// The amount in minor units.
        public var amount: Int
        /// Its status now.
        public var status: SandboxRefundStatus
    }

    /// One webhook event the gateway raised, and what the chaos did with it.
    public struct WebhookEvent: Sendable, Codable, Hashable {
        /// The event id (the same in every delivery of the event).
        public var id: String
        /// The event type.
        public var type: SandboxEventType
        /// The session it is about.
        public var sessionID: String
        /// Where it goes; `nil` when neither the session nor the sandbox has a webhook URL.
        public var destination: String?
        /// Never sent.
        public var dropped: Bool
        /// Sent twice.
        public var duplicated: Bool
        /// Sent late.
        public var delayed: Bool
        /// Held back until the session's next event was sent.
        public var reordered: Bool
        /// Sent by hand through ``ConvergeGateSandbox/deliverWebhook(sessionID:type:)``.
        public var scripted: Bool
    }

    /// One HTTP attempt to deliver a webhook event.
    public struct WebhookAttempt: Sendable, Codable, Hashable {
        /// The event delivered.
        public var eventID: String
        /// The event type.
        public var type: SandboxEventType
        /// The session the event is about.
        public var sessionID: String
        /// 1 for the first attempt of a delivery, then 2, 3, … for its retries.
        public var attempt: Int
        /// The HTTP status the receiver answered, or `nil` if the request failed.
        public var statusCode: Int?
        /// Why the request failed, if it did.
        public var error: String?
        /// When the attempt finished.
        public var at: Date

        /// Whether the receiver answered 2xx.
        public var succeeded: Bool { self.statusCode.map { (200..<300).contains($0) } ?? false }
    }

    /// Every session, in the order created.
    public var sessions: [Session]
    /// Every charge, in the order completed.
    public var charges: [Charge]
    /// Every refund, in the order created.
    public var refunds: [Refund]
    /// Every webhook event raised, in the order raised.
    public var webhookEvents: [WebhookEvent]
    /// Every webhook delivery attempt, in the order finished.
    public var webhookAttempts: [WebhookAttempt]
    /// Requests received per endpoint, including refused and failed ones.
    public var requestCounts: [SandboxEndpoint: Int]

    /// The session with `id`, if the sandbox knows it.
    public func session(_ id: String) -> Session? {
        self.sessions.first { $0.id == id }
    }

    /// The delivery attempts of events about `sessionID`.
    public func webhookAttempts(sessionID: String) -> [WebhookAttempt] {
        self.webhookAttempts.filter { $0.sessionID == sessionID }
    }

    /// The requests received by `endpoint`.
    public func requestCount(_ endpoint: SandboxEndpoint) -> Int {
        self.requestCounts[endpoint] ?? 0
    }

    /// Decodes a ledger as served by `GET /_sandbox/ledger`.
    public static func decode(from data: Data) throws -> SandboxLedger {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return try decoder.decode(SandboxLedger.self, from: data)
    }

    /// Encodes the ledger as `GET /_sandbox/ledger` serves it.
    func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }
}
