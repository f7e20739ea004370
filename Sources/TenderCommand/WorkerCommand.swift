import ArgumentParser
import Foundation
import Hummingbird
import HummingbirdCore
import LibPQ
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import Tender
import TenderConvergeGate
import TenderHTTP
import TenderPostgres

/// `tender worker`: the engine with its HTTP API, webhook route, health checks and metrics, until
/// SIGTERM or SIGINT.
struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run a worker: the engine, the webhook route, the /v1 JSON API, /healthz, /readyz and /metrics.",
        discussion: "Every setting is an environment variable (see docs/operations.md); a flag of the same name overrides it."
    )

    @OptionGroup var options: WorkerOptions

    func run() async throws {
        let configuration = try WorkerConfiguration(environment: ProcessInfo.processInfo.environment, flags: options.flags)

        let level = configuration.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "tender.worker")
        logger[metadataKey: "worker_id"] = "\(configuration.workerID)"
        logger.info("starting", metadata: ["configuration": "\(configuration)"])

        let pool = PostgresPool(configuration: configuration.database, size: configuration.poolSize, logger: logger)
        let client = ConvergeGateClient(configuration: configuration.gateway, logger: logger)
        do {
            try await serve(configuration, pool: pool, client: client, registry: registry, logger: logger)
        } catch {
            try? await client.shutdown()
            await pool.close()
            throw error
        }
        try await client.shutdown()
        await pool.close()
        logger.info("stopped")
    }

    /// Migrates, then runs the engine and the HTTP server in one service group until a signal.
    private func serve(
        _ configuration: WorkerConfiguration, pool: PostgresPool, client: ConvergeGateClient,
        registry: PrometheusCollectorRegistry, logger: Logger
    ) async throws {
        let migrator = Migrator(logger: logger)
        try await migrator.migrate(pool)

        var engineConfiguration = EngineConfiguration()
        engineConfiguration.workerID = configuration.workerID
        engineConfiguration.webhookURL = configuration.webhookURL
        let store = PostgresPaymentStore(pool: pool, machine: AttemptMachine(policy: engineConfiguration.policy), logger: logger)
        let engine = PaymentEngine(store: store, gateway: client, configuration: engineConfiguration, logger: logger)

        let api = TenderAPI(
            engine: engine, store: store, token: configuration.apiToken,
            readiness: { await Self.readiness(of: pool, migrator: migrator) },
            registry: registry,
            attemptCounts: { try await store.countAttemptsByState() }
        )
        let host = configuration.host
        let app = Application(
            router: api.router(),
            server: .http1(configuration: .init(idleTimeout: .seconds(15))),
            configuration: .init(
                address: .hostname(host, port: configuration.port),
                availableConnectionsDelegate: MaximumAvailableConnections(1024)
            ),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                let display = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
                FileHandle.standardOutput.write(Data("tender worker listening on http://\(display):\(port)\n".utf8))
            },
            logger: logger
        )
        // Started in order, stopped in reverse: the server stops taking requests first, then the
        // engine finishes what it has in flight and gives back its claims; the pool closes after.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: engine), .init(service: app)],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
    }

    /// Ready when the database answers and its schema is the one this build knows.
    private static func readiness(of pool: PostgresPool, migrator: Migrator) async -> Readiness {
        do {
            let version = try await migrator.currentVersion(pool)
            return version == migrator.latestVersion
                ? .ready : .notReady(reason: "the schema is at version \(version), this build needs \(migrator.latestVersion)")
        } catch {
            return .notReady(reason: "the database is unreachable")
        }
    }
}
