import Logging
import Prometheus
import ServiceLifecycle
import Tender

/// A whole Tender worker as one `Service`: migrates the database, then runs the engine and the HTTP
/// server (the webhook route, the `/v1` API, health checks and metrics) until shut down.
///
/// Shutting it down gracefully stops the server taking requests first; then the engine lets the
/// gateway calls in flight finish and gives back its claims; then the gateway client and the pool
/// close. Run it in the embedding application's own `ServiceGroup`:
///
/// ```swift
/// let worker = TenderWorker(configuration: configuration, logger: logger)
/// let group = ServiceGroup(services: [worker], gracefulShutdownSignals: [.sigterm], logger: logger)
/// try await group.run()
/// ```
public struct TenderWorker: Service {
    /// What to build and run.
    public let configuration: TenderConfiguration
    let gateway: (any PaymentGateway)?
    let registry: PrometheusCollectorRegistry
    let logger: Logger
    let onListening: @Sendable (Int) async -> Void

    /// Creates a worker; nothing starts before ``run()``.
    /// - Parameters:
    ///   - configuration: what to build.
    ///   - gateway: the payment gateway; a ConvergeGate client of `configuration.gateway` when `nil`.
    ///   - registry: where `/metrics` reads from; bootstrap the metrics system with it to see the
    ///     engine's metrics there.
    ///   - logger: the logger of every part.
    ///   - onListening: called with the HTTP server's port once it listens.
    public init(
        configuration: TenderConfiguration,
        gateway: (any PaymentGateway)? = nil,
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.gateway = gateway
        self.registry = registry
        self.logger = logger
        self.onListening = onListening
    }

    /// Runs until shut down gracefully or cancelled.
    public func run() async throws {
        try await TenderStack.withStack(configuration, gateway: gateway, registry: registry, logger: logger) { stack in
            // Started in order, stopped in reverse: the server stops taking requests first, then
            // the engine finishes what it has in flight and gives back its claims.
            let group = ServiceGroup(
                configuration: ServiceGroupConfiguration(
                    services: [
                        .init(service: stack.engine, serviceName: "engine"),
                        .init(service: stack.application(onListening: onListening), serviceName: "http"),
                    ],
                    logger: logger
                )
            )
            try await group.run()
        }
    }
}
