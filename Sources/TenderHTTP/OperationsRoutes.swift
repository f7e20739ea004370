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
    /// Counts attempts by state, refreshed into the `tender_attempts` gauge on every scrape.
    public let attemptCounts: (@Sendable () async throws -> [AttemptState: Int])?
    private let attemptGauges: [AttemptState: Gauge]

    /// Creates the routes.
    /// - Parameters:
    ///   - readiness: answers whether the worker can serve.
    ///   - readinessTimeout: how long `/readyz` waits for it.
    ///   - registry: the registry the process's `MetricsSystem` was bootstrapped with.
    ///   - attemptCounts: counts attempts by state (e.g. a `GROUP BY` in the store), or `nil`.
    public init(
        readiness: @escaping @Sendable () async -> Readiness,
        readinessTimeout: Duration = .seconds(2),
        registry: PrometheusCollectorRegistry,
        attemptCounts: (@Sendable () async throws -> [AttemptState: Int])? = nil
    ) {
        self.readiness = readiness
        self.readinessTimeout = readinessTimeout
        self.registry = registry
        self.attemptCounts = attemptCounts
        var gauges: [AttemptState: Gauge] = [:]
        if attemptCounts != nil {
            for state in AttemptState.allCases {
                gauges[state] = registry.makeGauge(
                    descriptor: MetricNameDescriptor(
                        metricName: "tender_attempts", unitName: "", helpText: "Attempts by state, counted at scrape time."
                    ),
                    labels: [("state", state.rawValue)]
                )
            }
        }
        self.attemptGauges = gauges
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
            await refreshAttemptGauges(logger: context.logger)
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

    private func refreshAttemptGauges(logger: Logger) async {
        guard let attemptCounts else { return }
        do {
            let counts = try await attemptCounts()
            for (state, gauge) in attemptGauges {
                gauge.set(Double(counts[state] ?? 0))
            }
        } catch {
            logger.debug("attempts not counted for /metrics", metadata: ["error": "\(error)"])
        }
    }
}
