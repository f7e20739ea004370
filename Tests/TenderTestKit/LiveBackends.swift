import LibPQ
import Logging
import TenderConvergeGate
import TenderPostgres
import TenderSandbox

/// What an end-to-end test runs engines against, for real: a migrated database and the sandbox
/// gateway over HTTP, with a ConvergeGate client for it.
public struct LiveBackends: Sendable {
    /// The URL of the database.
    public let databaseURL: String
    /// A pool on the database, migrated to the latest schema.
    public let pool: PostgresPool
    /// The migrator that migrated it.
    public let migrator: Migrator
    /// The running sandbox gateway.
    public let sandbox: ConvergeGateSandbox
    /// A client of the sandbox, with its secret key.
    public let client: ConvergeGateClient

    /// Migrates the database, starts the sandbox, runs `body`, then shuts the client down, stops
    /// the sandbox and closes the pool, whether `body` returned or threw. Holds a place of the
    /// ``TestGate`` throughout.
    ///
    /// - Parameters:
    ///   - databaseURL: the database; a fresh one of ``testDatabase`` when `nil`.
    ///   - poolSize: how many connections the pool opens.
    ///   - sandboxConfiguration: the gateway's behaviour; its secret key is replaced by `secretKey`.
    ///   - secretKey: the key the sandbox expects and the client sends.
    ///   - timeouts: the client's timeouts.
    ///   - logger: the logger of each part, by label: `tender.pool`, `tender.migrator`,
    ///     `tender.sandbox` and `tender.gateway`.
    public static func run(
        databaseURL: String? = nil,
        poolSize: Int,
        sandbox sandboxConfiguration: SandboxConfiguration,
        secretKey: String,
        timeouts: ConvergeGateConfiguration.Timeouts = .init(),
        logger: (String) -> Logger,
        _ body: (LiveBackends) async throws -> Void
    ) async throws {
        try await TestGate.withPlace {
            try await run(databaseURL: databaseURL, poolSize: poolSize, sandbox: sandboxConfiguration, secretKey: secretKey, timeouts: timeouts, logger: logger, gated: body)
        }
    }

    private static func run(
        databaseURL: String?,
        poolSize: Int,
        sandbox sandboxConfiguration: SandboxConfiguration,
        secretKey: String,
        timeouts: ConvergeGateConfiguration.Timeouts,
        logger: (String) -> Logger,
        gated body: (LiveBackends) async throws -> Void
    ) async throws {
        let databaseURL = if let databaseURL { databaseURL } else { try await testDatabase.makeDatabase() }
        let pool = PostgresPool(configuration: try PostgresConfiguration(connectionString: databaseURL), size: poolSize, logger: logger("tender.pool"))
        try await withCleanup {
            let migrator = Migrator(logger: logger("tender.migrator"))
            try await migrator.migrate(pool)
            var sandboxConfiguration = sandboxConfiguration
            sandboxConfiguration.secretKey = secretKey
            try await ConvergeGateSandbox.withRunning(sandboxConfiguration, logger: logger("tender.sandbox")) { sandbox in
                try await ConvergeGateClient.withClient(
                    configuration: try ConvergeGateConfiguration(baseURL: await sandbox.baseURL, secretKey: secretKey, timeouts: timeouts),
                    logger: logger("tender.gateway")
                ) { client in
                    try await body(LiveBackends(databaseURL: databaseURL, pool: pool, migrator: migrator, sandbox: sandbox, client: client))
                }
            }
        } cleanup: {
            await pool.close()
        }
    }
}
