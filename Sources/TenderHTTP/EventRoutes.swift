import Foundation
import Hummingbird
import ServiceLifecycle
import Tender

/// `GET /v1/events` (long poll), `POST /v1/events/ack` and `GET /v1/events/ack`: the outbox for the
/// order system, delivered at least once, with an acknowledgement cursor per consumer.
public struct EventRoutes<Context: RequestContext>: Sendable {
    /// The engine whose outbox is read and which records acknowledgements.
    public let engine: PaymentEngine
    /// The largest request body accepted, in bytes.
    public let maximumBodySize: Int

    /// The longest a long poll waits, in seconds.
    public static var maximumWait: Int { 30 }
    /// The most events in one answer.
    public static var maximumLimit: Int { 500 }
    /// The longest consumer name.
    public static var maximumConsumerLength: Int { 128 }

    /// Creates the routes.
    public init(engine: PaymentEngine, maximumBodySize: Int = 16 * 1024) {
        self.engine = engine
        self.maximumBodySize = maximumBodySize
    }

    /// Adds the routes under `group` (normally `/v1`).
    public func add(to group: RouterGroup<Context>) {
        group.get("events") { request, context in
            try await poll(request, context: context)
        }
        group.post("events/ack") { request, context in
            try await acknowledge(request, context: context)
        }
        group.get("events/ack") { request, context in
            try await cursor(request, context: context)
        }
    }

    private func poll(_ request: Request, context: Context) async throws -> Response {
        let after = try QueryParameter.integer(request, "after", default: 0, in: 0...Int64.max)
        let wait = try QueryParameter.integer(request, "wait", default: 0, in: 0...Int64(Self.maximumWait))
        let limit = try QueryParameter.integer(request, "limit", default: 100, in: 1...Int64(Self.maximumLimit))
        do {
            // A graceful shutdown ends the wait at once, with what there is.
            let events = try await cancelWhenGracefulShutdown { [engine] in
                try await engine.events(after: after, limit: Int(limit), waitingUpTo: .seconds(wait))
            }
            return try JSONBody.response(EventsView(events: events.map(EventView.init), next: events.last?.sequence ?? after))
        } catch {
            throw PaymentRoutes<Context>.translate(error, logger: context.logger)
        }
    }

    private func acknowledge(_ request: Request, context: Context) async throws -> Response {
        let body = try await JSONBody.decode(AcknowledgementBody.self, from: request, limit: maximumBodySize)
        try Self.check(consumer: body.consumer)
        guard body.sequence >= 0 else {
            throw APIError(.unprocessableContent, code: "invalid_sequence", message: "sequence must not be negative")
        }
        do {
            try await engine.acknowledge(consumer: body.consumer, upTo: body.sequence)
            let acknowledged = try await engine.acknowledged(consumer: body.consumer)
            return try JSONBody.response(AcknowledgementBody(consumer: body.consumer, sequence: acknowledged))
        } catch {
            throw PaymentRoutes<Context>.translate(error, logger: context.logger)
        }
    }

    private func cursor(_ request: Request, context: Context) async throws -> Response {
        guard let consumer = request.uri.queryParameters.get("consumer") else {
            throw APIError(.badRequest, code: "missing_consumer", message: "the consumer query parameter is required")
        }
        try Self.check(consumer: consumer)
        do {
            let acknowledged = try await engine.acknowledged(consumer: consumer)
            return try JSONBody.response(AcknowledgementBody(consumer: consumer, sequence: acknowledged))
        } catch {
            throw PaymentRoutes<Context>.translate(error, logger: context.logger)
        }
    }

    private static func check(consumer: String) throws {
        guard !consumer.isEmpty, consumer.utf8.count <= maximumConsumerLength, consumer.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw APIError(
                .unprocessableContent, code: "invalid_consumer",
                message: "consumer must be 1 to \(maximumConsumerLength) printable ASCII characters"
            )
        }
    }
}

/// The body of `POST /v1/events/ack` and the answer of both acknowledgement routes.
struct AcknowledgementBody: Codable, Sendable {
    var consumer: String
    var sequence: Int64

    enum CodingKeys: String, CodingKey, CaseIterable {
        case consumer, sequence
    }

    init(consumer: String, sequence: Int64) {
        self.consumer = consumer
        self.sequence = sequence
    }

    init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, known: Set(CodingKeys.allCases.map(\.rawValue)))
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.consumer = try container.decode(String.self, forKey: .consumer)
        self.sequence = try container.decode(Int64.self, forKey: .sequence)
    }
}

/// The answer of `GET /v1/events`.
struct EventsView: Encodable, Sendable {
    var events: [EventView]
    /// The sequence to pass as `after` next time.
    var next: Int64
}

/// One outbox event as the order system reads it.
struct EventView: Encodable, Sendable {
    var event: OrderEvent

    init(_ event: OrderEvent) { self.event = event }

    enum CodingKeys: String, CodingKey {
        case sequence, type
        case paymentID = "payment_id"
        case attemptID = "attempt_id"
        case state, failure
        case asksForNewCode = "asks_for_new_code"
        case occurredAt = "occurred_at"
        case refundID = "refund_id"
        case sessionID = "session_id"
        case amount, currency, late, duplicate
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(event.sequence, forKey: .sequence)
        try container.encode(event.type, forKey: .type)
        try container.encode(event.paymentID, forKey: .paymentID)
        try container.encode(event.attemptID.description, forKey: .attemptID)
        try container.encode(event.state, forKey: .state)
        try container.encode(event.failure, forKey: .failure)
        try container.encode(event.asksForNewCode, forKey: .asksForNewCode)
        try container.encode(event.occurredAt, forKey: .occurredAt)
        try container.encode(event.refundID?.description, forKey: .refundID)
        try container.encode(event.sessionID, forKey: .sessionID)
        try container.encode(event.amount?.minorUnits, forKey: .amount)
        try container.encode(event.amount?.currency.code, forKey: .currency)
        try container.encode(event.late, forKey: .late)
        try container.encode(event.duplicate, forKey: .duplicate)
    }
}
