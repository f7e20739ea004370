import Foundation
import LibPQ
import Logging
import Tender
import TenderConsole
import TenderConvergeGate
import TenderHTTP

/// Everything a Tender worker runs with: the database, the gateway, the HTTP server and the
/// engine's settings and policy.
///
/// Build one in code (``init(database:gateway:engine:)``) or read one from flags, environment
/// variables and a configuration file (``init(reading:)``); either way ``TenderWorker`` and
/// ``TenderStack`` build everything from it. The database password, the gateway's secret key and
/// the API token never appear in ``description``.
public struct TenderConfiguration: Sendable {
    /// Where the database is: PostgreSQL itself, or a pooler in front of it.
    public var database: PostgresConfiguration
    /// Where the connections that keep session state go — the listener, the worker-id lock and
    /// migrations — when ``database`` is a pooler that cannot carry it; ``database`` when `nil`.
    public var listenDatabase: PostgresConfiguration?
    /// Whether ``database`` is a pooler in transaction mode (PgBouncer's `pool_mode = transaction`):
    /// the pool then prepares no statements and sets no session parameters, and
    /// ``listenDatabase`` must name PostgreSQL directly. Default `false`.
    public var transactionPooling = false
    /// The most database connections. Default 10.
    public var poolSize = 10
    /// How long to wait on the database before giving up; applied to every connection of the pool
    /// unless ``database``'s connection string sets the same parameter.
    public var databaseTimeouts = DatabaseTimeouts()
    /// How to reach the gateway.
    public var gateway: ConvergeGateConfiguration
    /// The address the HTTP server binds. Default `127.0.0.1`.
    public var host = "127.0.0.1"
    /// The port the HTTP server binds (0: any free port). Default 8080.
    public var port = 8080
    /// How long a request may take to arrive in full, head and body, before its connection is
    /// closed (see `RequestDeadlineHandler`). Default 10 s.
    public var requestTimeout: Duration = .seconds(10)
    /// The bearer token `/v1` routes require; `nil` leaves them open (loopback only).
    public var apiToken: APIToken?
    /// The token operators sign in to `/console` with; `nil` serves the console only on a
    /// loopback host, with a warning on every page (see ``servesConsole``).
    public var consoleToken: ConsoleToken?
    /// The log level. Default `info`.
    public var logLevel = Logger.Level.info
    /// The engine's settings, with the policy every attempt runs under.
    public var engine: EngineConfiguration

    /// The shortest API token accepted.
    public static let minimumTokenLength = 16

    /// A configuration with the defaults for everything but the database and the gateway.
    public init(database: PostgresConfiguration, gateway: ConvergeGateConfiguration, engine: EngineConfiguration = EngineConfiguration()) {
        self.database = database
        self.gateway = gateway
        self.engine = engine
    }

    /// Whether the worker serves `/console`: with a console token, or on a loopback host.
    public var servesConsole: Bool { consoleToken != nil || Self.isLoopback(host) }

    /// What the pool connects with: ``database`` with ``databaseTimeouts``, or, under transaction
    /// pooling, without what a pooled session cannot keep.
    public var poolDatabase: PostgresConfiguration {
        let configured = databaseTimeouts.applied(to: database)
        return transactionPooling ? configured.forTransactionPooling() : configured
    }

    /// What the connections that keep session state connect with: ``listenDatabase`` (or
    /// ``database``) with ``databaseTimeouts``.
    public var sessionDatabase: PostgresConfiguration {
        databaseTimeouts.applied(to: listenDatabase ?? database)
    }

    /// Whether `host` only accepts connections from this machine.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || (host.hasPrefix("127.") && host.split(separator: ".").count == 4)
    }
}

extension TenderConfiguration: CustomStringConvertible {
    /// Every setting's effective value, one `VARIABLE=value` per line, secrets redacted.
    public var description: String {
        effectiveValues.map { "\($0.setting.variable)=\($0.value)" }.joined(separator: "\n")
    }

    /// Every setting with the value this configuration holds for it; secrets as `<redacted>`.
    public var effectiveValues: [(setting: TenderSetting, value: String)] {
        let policy = engine.policy
        let redacted = "<redacted>"
        return [
            (.databaseURL, "\(database)"),
            (.listenDatabaseURL, listenDatabase.map { "\($0)" } ?? ""),
            (.transactionPooling, "\(transactionPooling)"),
            (.poolSize, "\(poolSize)"),
            (.databaseConnectTimeout, Self.seconds(databaseTimeouts.connect)),
            (.databasePeerSilence, Self.seconds(databaseTimeouts.peerSilence)),
            (.databaseStatementTimeout, Self.seconds(databaseTimeouts.statement)),
            (.databaseLockTimeout, Self.seconds(databaseTimeouts.lock)),
            (.databaseIdleInTransactionTimeout, Self.seconds(databaseTimeouts.idleInTransaction)),
            (.gatewayURL, gateway.baseURL.absoluteString),
            (.gatewaySecretKey, redacted),
            (.gatewayTimeout, Self.seconds(gateway.timeouts.read)),
            (.gatewayConnectTimeout, Self.seconds(gateway.timeouts.connect)),
            (.gatewaySuccessURL, gateway.successURL),
            (.httpHost, host),
            (.httpPort, "\(port)"),
            (.httpRequestTimeout, Self.seconds(requestTimeout)),
            (.apiToken, apiToken == nil ? "" : redacted),
            (.consoleToken, consoleToken == nil ? "" : redacted),
            (.webhookURL, engine.webhookURL ?? ""),
            (.workerID, engine.workerID),
            (.logLevel, logLevel.rawValue),
            (.confirmationTimeout, Self.seconds(policy.confirmationWindow)),
            (.firstPollDelay, Self.seconds(policy.firstPollDelay)),
            (.pollInterval, Self.seconds(policy.pollInterval)),
            (.pollGrid, Self.seconds(policy.pollGrid)),
            (.pollBatchWindow, Self.seconds(engine.pollBatchWindow)),
            (.pollBatchSize, "\(engine.pollBatchSize)"),
            (.gracePeriod, Self.seconds(policy.gracePeriod)),
            (.gracePollInterval, Self.seconds(policy.gracePollInterval)),
            (.retryBackoff, Self.seconds(policy.retryBackoff)),
            (.maximumRetryBackoff, Self.seconds(policy.maximumRetryBackoff)),
            (.sessionLifetime, Self.seconds(policy.sessionLifetimeBeyondDeadline)),
            (.refundDuplicates, "\(policy.refundsDuplicates)"),
            (.pollBudget, Self.number(engine.pollBudget)),
            (.maximumConcurrentCalls, "\(engine.maximumConcurrentCalls)"),
            (.claimBatchSize, "\(engine.claimBatchSize)"),
            (.leaseSeconds, Self.seconds(engine.leaseDuration)),
            (.sweepInterval, Self.seconds(engine.sweepInterval)),
            (.lookahead, Self.seconds(engine.lookahead)),
            (.retentionDays, Self.number(engine.retention.finishedAttempts.timeInterval / 86_400)),
            (.parkedWebhookHours, Self.number(engine.retention.parkedWebhooks.timeInterval / 3_600)),
        ]
    }

    private static func seconds(_ duration: Duration) -> String {
        number(duration.timeInterval)
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
