import Hummingbird
import Logging
import Metrics
import OpenAPIRuntime
import Prometheus
import Tender
import TenderConvergeGate
import TenderOpenAPI

/// Every route of `tender worker` on one router: the webhook, the order system's `/v1` JSON API
/// (``OrderAPI``, served through the code generated from docs/openapi.yaml) behind the bearer
/// token, and the operations routes.
public struct TenderAPI: Sendable {
    /// The engine behind the routes.
    public var engine: PaymentEngine
    /// Verifies webhooks before the engine sees them.
    public var webhookVerifier: ConvergeGateWebhookVerifier
    /// The token `/v1` routes require; `nil` leaves them open (only for a loopback listener).
    public var token: APIToken?
    /// Answers `/readyz`.
    public var readiness: @Sendable () async -> Readiness
    /// The registry `/metrics` renders.
    public var registry: PrometheusCollectorRegistry
    /// Reads the store's gauges for `/metrics` (see ``OperationsRoutes``).
    public var monitoringSnapshot: (@Sendable () async throws -> MonitoringSnapshot)?
    /// Where the API's own counters live (the global factory by default).
    public var metricsFactory: any MetricsFactory
    /// The largest JSON request body, in bytes. Default 16 KiB.
    public var maximumBodySize: Int = 16 * 1024
    /// Where the `/v1` API logs failures that are not refusals.
    public var logger = Logger(label: "tender.api")

    /// Creates the API.
    public init(
        engine: PaymentEngine,
        webhookVerifier: ConvergeGateWebhookVerifier,
        token: APIToken?,
        readiness: @escaping @Sendable () async -> Readiness,
        registry: PrometheusCollectorRegistry,
        monitoringSnapshot: (@Sendable () async throws -> MonitoringSnapshot)? = nil,
        metricsFactory: any MetricsFactory = MetricsSystem.factory
    ) {
        self.engine = engine
        self.webhookVerifier = webhookVerifier
        self.token = token
        self.readiness = readiness
        self.registry = registry
        self.monitoringSnapshot = monitoringSnapshot
        self.metricsFactory = metricsFactory
    }

    /// Adds every route to `router`.
    public func add<Context: RequestContext>(to router: Router<Context>) {
        WebhookRoutes<Context>(engine: engine, verifier: webhookVerifier).add(to: router)
        OperationsRoutes<Context>(readiness: readiness, registry: registry, snapshot: monitoringSnapshot).add(to: router)
        let v1 = router.group()
        if let token {
            v1.add(middleware: BearerTokenMiddleware<Context>(token: token, metricsFactory: metricsFactory))
        }
        v1.add(middleware: RequestBodyLimitMiddleware<Context>(limit: maximumBodySize))
        let transport = DeclaredMethods(group: v1)
        do {
            try OrderAPI(engine: engine, logger: logger).registerHandlers(
                on: transport, configuration: .tender, middlewares: [RequestRefusalMiddleware(logger: logger), IdempotencyKeyMiddleware()])
        } catch {
            // Registration fails only for a server URL that is not one; the default is "/".
            preconditionFailure("the /v1 API could not be registered: \(error)")
        }
        transport.refuseUndeclaredMethods()
    }

    /// A router with every route.
    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        add(to: router)
        return router
    }
}
