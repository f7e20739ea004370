import Foundation
import Hummingbird
import Logging
import Prometheus
import Tender

/// `/healthz`, `/readyz` and `/metrics`: for the orchestrator and the monitoring system. They are
/// open (no token) and say nothing secret.
public struct OperationsRoutes<Context: RequestContext>: Sendable {
    /// Answers whether the worker can serve (database reachable, schema current).
    public let readiness: @Sendable () async -> Readiness
    /// How long `/readyz` waits for ``readiness`` before answering 503.
    public let readinessTimeout: Duration
    /// The registry `/metrics` renders.
    public let registry: PrometheusCollectorRegistry
    /// Reads the store's gauges (attempts and refunds by state, parked webhooks, the oldest
    /// attempt awaiting confirmation, each consumer's lag), refreshed on every scrape.
    public let snapshot: (@Sendable () async throws -> MonitoringSnapshot)?

    /// Creates the routes.
    /// - Parameters:
    ///   - readiness: answers whether the worker can serve.
    ///   - readinessTimeout: how long `/readyz` waits for it.
    ///   - registry: the registry the process's `MetricsSystem` was bootstrapped with.
    ///   - snapshot: reads the store's gauges, or `nil` for none.
    public init(
        readiness: @escaping @Sendable () async -> Readiness,
        readinessTimeout: Duration = .seconds(2),
        registry: PrometheusCollectorRegistry,
        snapshot: (@Sendable () async throws -> MonitoringSnapshot)? = nil
    ) {
        self.readiness = readiness
        self.readinessTimeout = readinessTimeout
        self.registry = registry
        self.snapshot = snapshot
    }

    /// A probe's JSON answer.
    private static func status(_ fields: [String: String], _ status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return Response(
            status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(fields))))
    }

    /// Adds the routes to a router; other methods on their paths answer 405.
    public func add(to router: Router<Context>) {
        for path: RouterPath in ["healthz", "readyz", "metrics"] {
            router.refuseUndeclaredMethods(at: path, declared: [.get])
        }
        router.get("healthz") { _, _ in
            try Self.status(["status": "ok"])
        }
        router.get("readyz") { _, _ in
            switch await checkReadiness() {
            case .ready:
                return try Self.status(["status": "ready"])
            case .notReady(let reason):
                return try Self.status(["status": "not_ready", "reason": reason], .serviceUnavailable)
            }
        }
        router.get("metrics") { _, context in
            await refreshStoreGauges(logger: context.logger)
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer()))
            )
        }
    }

    private func checkReadiness() async -> Readiness {
        await Readiness.within(readinessTimeout, readiness)
    }

    /// Sets the store's gauges from a fresh snapshot; a failed read leaves them as they were.
    private func refreshStoreGauges(logger: Logger) async {
        guard let snapshot else { return }
        let values: MonitoringSnapshot
        do {
            values = try await snapshot()
        } catch {
            logger.debug("store gauges not read for /metrics", metadata: ["error": "\(error)"])
            return
        }
        for state in AttemptState.allCases {
            gauge("tender_attempts", "Attempts by state, counted at scrape time.", ("state", state.rawValue)).set(Double(values.attempts[state] ?? 0))
        }
        for state in RefundState.allCases {
            gauge("tender_refunds", "Refunds by state, counted at scrape time.", ("state", state.rawValue)).set(Double(values.refunds[state] ?? 0))
        }
        gauge("tender_webhooks_parked", "Webhooks stored for a session no attempt holds yet.").set(Double(values.parkedWebhooks))
        gauge("tender_oldest_awaiting_confirmation_seconds", "Age of the oldest attempt awaiting confirmation; 0 when none waits.")
            .set(values.oldestAwaitingConfirmation)
        for (consumer, lag) in values.consumerLag {
            gauge("tender_consumer_lag_events", "Events a consumer of the event feed has not acknowledged.", ("consumer", consumer)).set(Double(lag))
        }
    }

    private func gauge(_ name: String, _ help: String, _ labels: (String, String)...) -> Gauge {
        registry.makeGauge(descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }
}
