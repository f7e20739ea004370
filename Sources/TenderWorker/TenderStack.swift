import Foundation
import Hummingbird
import HummingbirdCore
import LibPQ
import Logging
import Metrics
import Prometheus
import Tender
import TenderConsole
import TenderConvergeGate
import TenderHTTP
import TenderPostgres

/// The parts of one Tender built from a ``TenderConfiguration``: the database pool, the migrator,
/// the store, the engine and the routes.
///
/// ``withStack(_:gateway:schema:registry:logger:_:)`` builds them, hands them to its body and closes
/// them when the body ends, whichever way it ends. ``TenderWorker`` runs a stack's engine and HTTP
/// server; an order system that wants the parts (say, to serve the routes from its own server)
/// takes the stack instead.
public struct TenderStack: Sendable {
    /// What the database schema must be before the parts are built.
    public enum Schema: Sendable {
        /// Bring it up to this build's version (safe from several processes at once).
        case migrate
        /// Leave it alone; refuse to start unless it is at this build's version.
        case expectCurrent
    }

    /// The configuration the parts were built from.
    public let configuration: TenderConfiguration
    /// The database pool, closed when the stack ends.
    public let pool: PostgresPool
    /// The schema's migrator.
    public let migrator: Migrator
    /// The store of attempts, tasks, the outbox and the webhook inbox.
    public let store: PostgresPaymentStore
    /// The gateway the engine calls.
    public let gateway: any PaymentGateway
    /// The engine, the one owner of the attempt policy; run it (it is a `Service`) to fire tasks.
    public let engine: PaymentEngine
    /// Where `/metrics` reads from.
    public let registry: PrometheusCollectorRegistry
    /// The logger of every part.
    let logger: Logger

    /// Builds the parts, runs `body` with them, and then shuts the gateway client down and closes
    /// the pool, whether `body` returned or threw.
    /// - Parameters:
    ///   - configuration: what to build.
    ///   - gateway: the payment gateway; a ConvergeGate client of `configuration.gateway` when `nil`.
    ///   - schema: whether to migrate the database or only check it.
    ///   - registry: where `/metrics` reads from.
    ///   - logger: the logger of every part.
    ///   - body: what to do with the parts.
    public static func withStack<T: Sendable>(
        _ configuration: TenderConfiguration,
        gateway: (any PaymentGateway)? = nil,
        schema: Schema = .migrate,
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger,
        _ body: (TenderStack) async throws -> T
    ) async throws -> T {
        let pool = PostgresPool(configuration: configuration.poolDatabase, size: configuration.poolSize, logger: logger)
        do {
            let migrator = Migrator(logger: logger)
            switch schema {
            case .migrate:
                try await migrate(with: migrator, configuration.sessionDatabase, logger: logger)
            case .expectCurrent:
                try await migrator.expectCurrent(pool)
            }
            if configuration.transactionPooling {
                await warnOfUnboundedStatements(pool, logger: logger)
            }
            let result = try await withGateway(gateway, configuration.gateway, logger: logger) { gateway in
                let store = PostgresPaymentStore(pool: pool, sessions: configuration.sessionDatabase, logger: logger)
                var engineConfiguration = configuration.engine
                if engineConfiguration.codeDigestKey == nil {
                    engineConfiguration.codeDigestKey = configuration.gateway.secretKey.derivedKey(for: "tender.code-digest")
                }
                let engine = PaymentEngine(store: store, gateway: gateway, configuration: engineConfiguration, logger: logger)
                return try await body(
                    TenderStack(
                        configuration: configuration, pool: pool, migrator: migrator, store: store, gateway: gateway, engine: engine,
                        registry: registry, logger: logger
                    )
                )
            }
            await pool.close()
            return result
        } catch {
            await pool.close()
            throw error
        }
    }

    /// Migrates over a connection of its own to `database`: the migrator's session lock needs one
    /// server session throughout, which a pooler in transaction mode does not give.
    private static func migrate(with migrator: Migrator, _ database: PostgresConfiguration, logger: Logger) async throws {
        let pool = PostgresPool(configuration: database, size: 1, logger: logger)
        do {
            try await migrator.migrate(pool)
            await pool.close()
        } catch {
            await pool.close()
            throw error
        }
    }

    /// Under transaction pooling Tender sets no session parameters, so the timeouts are the role's
    /// or the database's; says so when they leave a statement or a lock wait unbounded.
    private static func warnOfUnboundedStatements(_ pool: PostgresPool, logger: Logger) async {
        let timeouts = ["statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout"]
        guard
            let row = try? await pool.query(
                "SELECT array_agg(name) AS unset FROM unnest($1::text[]) AS name WHERE current_setting(name) = '0'", [timeouts]
            ).first,
            let unset = try? row.decode([String]?.self, column: "unset")
        else { return }
        logger.warning(
            "transaction pooling: these timeouts are off for Tender's role; set them with ALTER ROLE … SET",
            metadata: ["timeouts": "\(unset.joined(separator: ", "))"]
        )
    }

    /// Runs `body` with `gateway`, or with a ConvergeGate client it shuts down afterwards.
    private static func withGateway<T: Sendable>(
        _ gateway: (any PaymentGateway)?, _ configuration: ConvergeGateConfiguration, logger: Logger,
        _ body: (any PaymentGateway) async throws -> T
    ) async throws -> T {
        if let gateway {
            return try await body(gateway)
        }
        return try await ConvergeGateClient.withClient(configuration: configuration, logger: logger) { client in
            try await body(client)
        }
    }

    /// Ready when the database answers and its schema is the one this build knows.
    public func readiness() async -> Readiness {
        await Self.readiness(of: pool, migrator: migrator)
    }

    /// Whether `pool`'s database answers with the schema `migrator` needs. Bound how long it may
    /// take with ``Readiness/within(_:_:)``.
    public static func readiness(of pool: PostgresPool, migrator: Migrator) async -> Readiness {
        do {
            let version = try await migrator.currentVersion(pool)
            return version == migrator.latestVersion
                ? .ready : .notReady(reason: "the schema is at version \(version), this build needs \(migrator.latestVersion)")
        } catch {
            return .notReady(reason: "the database is unreachable")
        }
    }

    /// Every route of a worker: the webhook route, the `/v1` API, `/healthz`, `/readyz` and
    /// `/metrics`.
    /// - Parameter metricsFactory: where the API's own counters go (the global factory by default).
    public func api(metricsFactory: any MetricsFactory = MetricsSystem.factory) -> TenderAPI {
        TenderAPI(
            engine: engine, webhookVerifier: ConvergeGateWebhookVerifier(configuration: configuration.gateway), token: configuration.apiToken,
            readiness: { await self.readiness() },
            registry: registry,
            monitoringSnapshot: { try await self.store.monitoringSnapshot() },
            metricsFactory: metricsFactory
        )
    }

    /// The operator console, when the configuration serves one (``TenderConfiguration/servesConsole``).
    public func console() -> Console? {
        guard configuration.servesConsole else { return nil }
        return Console(engine: engine, reads: store, token: configuration.consoleToken, logger: logger)
    }

    /// Every route of a worker: ``api(metricsFactory:)``'s and the console's.
    public func router(metricsFactory: any MetricsFactory = MetricsSystem.factory) -> Router<BasicRequestContext> {
        let router = api(metricsFactory: metricsFactory).router()
        console()?.add(to: router)
        return router
    }

    /// An HTTP server of ``router(metricsFactory:)`` on the configured host and port; warns when
    /// the console is open without a token.
    /// - Parameters:
    ///   - metricsFactory: where the API's own counters go.
    ///   - onListening: called with the port once the server listens.
    public func application(
        metricsFactory: any MetricsFactory = MetricsSystem.factory,
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        if configuration.servesConsole, configuration.consoleToken == nil {
            logger.warning(
                "the console at /console has no operator token: anyone who reaches \(configuration.host):\(configuration.port) can act on payments; set TENDER_CONSOLE_TOKEN"
            )
        }
        let port = configuration.port
        let requestTimeout = configuration.requestTimeout
        return Application(
            router: router(metricsFactory: metricsFactory),
            server: .http1(
                configuration: .init(additionalChannelHandlers: [RequestDeadlineHandler(deadline: requestTimeout)], idleTimeout: .seconds(15))
            ),
            configuration: .init(
                address: .hostname(configuration.host, port: port),
                availableConnectionsDelegate: MaximumAvailableConnections(1024)
            ),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}
