import EphemeralPostgres
import LibPQ
import Logging
import Prometheus
import Tender
import TenderConvergeGate
import TenderPostgres
import TenderSandbox
import TenderWorker

/// What an end-to-end test runs against, for real: the sandbox gateway over HTTP and a Tender
/// stack on a fresh database, built by ``TenderStack`` from a configuration that points at the
/// sandbox, as a worker's would.
public struct LiveBackends: Sendable {
    /// The URL of the database.
    public let databaseURL: String
    /// The running sandbox gateway.
    public let sandbox: ConvergeGateSandbox
    /// The stack: pool, migrator, store, the ConvergeGate client of the sandbox, and the engine.
    public let stack: TenderStack

    /// The stack's pool.
    public var pool: PostgresPool { stack.pool }

    /// Starts the sandbox, builds a stack against it, runs `body`, then shuts the stack's client
    /// down, closes its pool and stops the sandbox, whether `body` returned or threw. Holds a place
    /// of the ``TestGate`` throughout.
    ///
    /// - Parameters:
    ///   - databaseURL: the database; a fresh one of ``testDatabase`` when `nil`.
    ///   - sandboxConfiguration: the gateway's behaviour; its secret key is replaced by `secretKey`.
    ///   - secretKey: the key the sandbox expects and the client sends.
    ///   - timeouts: the client's timeouts.
    ///   - engine: the engine's configuration.
    ///   - listening: whether the stack's configuration gets a port free just now, once the gate
    ///     has let the test in, and the engine the webhook URL on that port, for the caller to
    ///     serve the stack's routes there. A port picked before the wait at the gate stays free for
    ///     as long as the wait lasts, and another server of the suite may take it meanwhile.
    ///   - configure: changes the rest of the stack's configuration (pool size, port, token).
    ///   - registry: where the stack's `/metrics` reads from.
    ///   - logger: the logger of the stack.
    ///   - sandboxLogger: the logger of the sandbox; `logger` when `nil`.
    public static func run(
        databaseURL: String? = nil,
        sandbox sandboxConfiguration: SandboxConfiguration,
        secretKey: String,
        timeouts: ConvergeGateConfiguration.Timeouts = .init(),
        engine: EngineConfiguration,
        listening: Bool = false,
        configure: (inout TenderConfiguration) -> Void = { _ in },
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        logger: Logger,
        sandboxLogger: Logger? = nil,
        _ body: (LiveBackends) async throws -> Void
    ) async throws {
        try await TestGate.withPlace {
            let databaseURL = if let databaseURL { databaseURL } else { try await testDatabase.makeDatabase() }
            var sandboxConfiguration = sandboxConfiguration
            sandboxConfiguration.secretKey = secretKey
            try await ConvergeGateSandbox.withRunning(sandboxConfiguration, logger: sandboxLogger ?? logger) { sandbox in
                var configuration = TenderConfiguration(
                    database: try PostgresConfiguration(connectionString: databaseURL),
                    gateway: try ConvergeGateConfiguration(baseURL: await sandbox.baseURL, secretKey: secretKey, timeouts: timeouts),
                    engine: engine
                )
                configuration.poolSize = 8
                if listening {
                    configuration.port = try FreePort.pick()
                    configuration.engine.webhookURL = "http://127.0.0.1:\(configuration.port)/webhooks/convergegate"
                }
                configure(&configuration)
                try await TenderStack.withStack(configuration, registry: registry, logger: logger) { stack in
                    try await body(LiveBackends(databaseURL: databaseURL, sandbox: sandbox, stack: stack))
                }
            }
        }
    }
}
