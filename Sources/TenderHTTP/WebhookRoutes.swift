import Foundation
import Hummingbird
import Logging
import Metrics
import Tender
import TenderConvergeGate
import TenderOpenAPI

/// `POST /webhooks/convergegate`: verify at the edge, store, answer fast.
///
/// The route verifies the signature and freshness with the gateway's verifier and hands the engine
/// only a verified event. The answer is 200 once the event is stored; 401 for a bad signature or
/// stale timestamp, 413 for an oversized body, 400 for a malformed one, and 503 when the event
/// could not be stored, so that the gateway delivers it again later.
public struct WebhookRoutes<Context: RequestContext>: Sendable {
    /// The engine that stores the events.
    public let engine: PaymentEngine
    /// The verifier of the gateway account's signatures.
    public let verifier: ConvergeGateWebhookVerifier
    /// The clock the timestamps are judged against.
    let now: @Sendable () -> Date
    private let rejections = WebhookRejectionLog()

    /// Creates the routes.
    public init(engine: PaymentEngine, verifier: ConvergeGateWebhookVerifier, now: @escaping @Sendable () -> Date = { Date() }) {
        self.engine = engine
        self.verifier = verifier
        self.now = now
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
            body = try await request.body.collect(upTo: verifier.maximumBodySize)
        } catch {
            return try await reject(.bodyTooLarge(limit: verifier.maximumBodySize), context: context)
        }
        let bytes = Array(body.readableBytesView)
        let hint: WebhookHint
        do throws(WebhookRejection) {
            hint = try verifier.verify(headers: request.headers.map { (name: $0.name.canonicalName, value: $0.value) }, body: bytes, now: now())
        } catch {
            return try await reject(error, context: context)
        }
        do {
            _ = try await engine.receiveWebhook(hint, body: bytes)
            return Response(status: .ok)
        } catch {
            // The engine logs the outage once; one line per refused delivery would flood the log.
            context.logger.debug("webhook not stored; the gateway will deliver it again", metadata: ["error": "\(error)"])
            return try Components.Schemas.ErrorBody(code: "unavailable", message: "the event could not be stored; retry later")
                .response(status: .serviceUnavailable)
        }
    }

    private func reject(_ rejection: WebhookRejection, context: Context) async throws -> Response {
        Counter(label: "tender_webhooks_total", dimensions: [("result", "rejected")]).increment()
        await rejections.rejected(rejection, logger: context.logger)
        let code = if case .bodyTooLarge = rejection { "body_too_large" } else { "webhook_rejected" }
        return try Components.Schemas.ErrorBody(code: code, message: rejection.description).response(status: rejection.responseStatus)
    }
}
