import EphemeralPostgres
import Foundation
import Hummingbird
import LibPQ
import Logging
import Prometheus
import Tender
import TenderHTTP
import TenderPostgres
import TenderSandbox
import TenderTestKit
import TenderWorker

/// A worker's parts, in process and for real: pool, store and engine on a database, the sandbox
/// gateway over HTTP, and every route of `tender worker` on a port of its own (the sandbox sends
/// its webhooks there). Every part logs through `logger(label)`.
struct LiveStack: Sendable {
    static let secretKey = "sk_test_hardening_live_5f0c2e"

    let engine: PaymentEngine
    let store: PostgresPaymentStore
    let pool: PostgresPool
    let sandbox: ConvergeGateSandbox
    /// `http://127.0.0.1:PORT` of the worker's routes.
    let baseURL: String

    static func run(
        databaseURL: String,
        sandbox sandboxConfiguration: SandboxConfiguration,
        token: String,
        requestTimeout: Duration = .seconds(10),
        logger makeLogger: @escaping @Sendable (String) -> Logger,
        _ body: @Sendable (LiveStack) async throws -> Void
    ) async throws {
        let registry = PrometheusCollectorRegistry()
        let engine = EngineConfiguration.forTests(policy: .fastForTests, leaseDuration: .seconds(3))
        try await LiveBackends.run(
            databaseURL: databaseURL, sandbox: sandboxConfiguration, secretKey: secretKey,
            timeouts: .init(connect: .seconds(2), read: .seconds(5)), engine: engine, listening: true,
            configure: {
                $0.apiToken = APIToken(token)
                $0.requestTimeout = requestTimeout
            },
            registry: registry, logger: makeLogger("tender"), sandboxLogger: makeLogger("tender.sandbox")
        ) { backends in
            let stack = backends.stack
            let (listening, isListening) = AsyncStream.makeStream(of: Never.self)
            let app = stack.application(metricsFactory: PrometheusMetricsFactory(registry: registry)) { _ in isListening.finish() }
            try await withServices([stack.engine, app], logger: makeLogger("tender.lifecycle")) {
                for await _ in listening {}
                try await body(
                    LiveStack(
                        engine: stack.engine, store: stack.store, pool: stack.pool, sandbox: backends.sandbox,
                        baseURL: "http://127.0.0.1:\(stack.configuration.port)")
                )
            }
        }
    }

    /// Waits until `condition` holds, taking an error it throws for "not yet"; returns whether it
    /// did within `timeout`.
    func waitUntil(timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        try await TenderTestKit.waitUntil(timeout: timeout, every: .milliseconds(200)) { (try? await condition()) == true }
    }
}
