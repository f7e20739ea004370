import Hummingbird
import Logging
import Tender

/// `POST /webhooks/convergegate`: verify, store, answer fast.
///
/// The answer is 200 only once the event is stored; 401 for a bad signature or stale timestamp,
/// 413 for an oversized body, 400 for a malformed one, and 503 when the event could not be stored,
/// so that the gateway delivers it again later.
public struct WebhookRoutes<Context: RequestContext>: Sendable {
    /// The engine that verifies and stores the events.
    public let engine: PaymentEngine
    /// The largest body accepted.
    public let maximumBodySize: Int

    /// Creates the routes.
    public init(engine: PaymentEngine, maximumBodySize: Int = 64 * 1024) {
        self.engine = engine
        self.maximumBodySize = maximumBodySize
    }

    /// Adds the webhook route to a router.
    public func add(to router: Router<Context>) {
        router.post("/webhooks/convergegate") { request, context in
            try await receive(request, context: context)
        }
    }

    private func receive(_ request: Request, context: Context) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maximumBodySize)
        } catch {
            return try ErrorResponse(code: "body_too_large", message: "the body exceeds \(maximumBodySize) bytes")
                .response(status: .contentTooLarge)
        }
        let headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
        do {
            _ = try await engine.handleWebhook(headers: headers, body: Array(body.readableBytesView))
            return Response(status: .ok)
        } catch let rejection as WebhookRejection {
            return try ErrorResponse(code: "webhook_rejected", message: rejection.description)
                .response(status: .init(code: rejection.httpStatus))
        } catch {
            // The engine logs the outage once; one line per refused delivery would flood the log.
            context.logger.debug("webhook not stored; the gateway will deliver it again", metadata: ["error": "\(error)"])
            return try ErrorResponse(code: "unavailable", message: "the event could not be stored; retry later")
                .response(status: .serviceUnavailable)
        }
    }
}
