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
        logger makeLogger: @escaping @Sendable (String) -> Logger,
        _ body: @Sendable (LiveStack) async throws -> Void
    ) async throws {
        try await LiveBackends.run(
            databaseURL: databaseURL, poolSize: 8, sandbox: sandboxConfiguration, secretKey: secretKey,
            timeouts: .init(connect: .seconds(2), read: .seconds(5)), logger: makeLogger
        ) { backends in
            let (pool, migrator) = (backends.pool, backends.migrator)
            let policy = AttemptPolicy.fastForTests
            let store = PostgresPaymentStore(pool: pool, machine: AttemptMachine(policy: policy), logger: makeLogger("tender.store"))
            let port = try FreePort.pick()
            let configuration = EngineConfiguration.forTests(
                policy: policy, webhookURL: "http://127.0.0.1:\(port)/webhooks/convergegate", leaseDuration: .seconds(3)
            )
            let engine = PaymentEngine(store: store, gateway: backends.client, configuration: configuration, logger: makeLogger("tender.engine"))
            let registry = PrometheusCollectorRegistry()
            let api = TenderAPI(
                engine: engine, store: store, token: APIToken(token),
                readiness: {
                    do {
                        let version = try await migrator.currentVersion(pool)
                        return version == migrator.latestVersion ? .ready : .notReady(reason: "schema at \(version)")
                    } catch {
                        return .notReady(reason: "the database is unreachable")
                    }
                },
                registry: registry,
                attemptCounts: { try await store.countAttemptsByState() },
                metricsFactory: PrometheusMetricsFactory(registry: registry)
            )
            let app = Application(
                router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: port)), logger: makeLogger("tender.http")
            )
            try await withServices([engine, app], logger: makeLogger("tender.lifecycle")) {
                try await body(LiveStack(engine: engine, store: store, pool: pool, sandbox: backends.sandbox, baseURL: "http://127.0.0.1:\(port)"))
            }
        }
    }

    /// Waits until `condition` holds, taking an error it throws for "not yet"; returns whether it
    /// did within `timeout`.
    func waitUntil(timeout: Duration, _ condition: () async throws -> Bool) async throws -> Bool {
        try await TenderTestKit.waitUntil(timeout: timeout, every: .milliseconds(200)) { (try? await condition()) == true }
    }
}
