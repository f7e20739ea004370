import Configuration

/// One setting of a Tender worker: an environment variable, the flag that overrides it and the
/// line of the configuration file that sets it, all of one name.
public struct TenderSetting: Sendable, Hashable, CustomStringConvertible {
    /// The environment variable, e.g. `TENDER_POLL_BUDGET`.
    public let variable: String
    /// What the setting means and its unit.
    public let summary: String
    /// The default, as an operator would write it; `nil` for a required setting.
    public let defaultValue: String?
    /// Whether the value is a secret, never printed or logged.
    public let isSecret: Bool

    init(_ variable: String, _ summary: String, default defaultValue: String? = nil, secret: Bool = false) {
        self.variable = variable
        self.summary = summary
        self.defaultValue = defaultValue
        self.isSecret = secret
    }

    /// The flag, e.g. `--poll-budget`.
    public var flag: String {
        "--" + variable.dropFirst("TENDER_".count).lowercased().replacingOccurrences(of: "_", with: "-")
    }

    /// The key every provider is asked for; the environment provider spells it ``variable``.
    var key: ConfigKey {
        ConfigKey(variable.lowercased().split(separator: "_").map(String.init))
    }

    /// `TENDER_POLL_BUDGET (--poll-budget)`.
    public var description: String { "\(variable) (\(flag))" }
}

extension TenderSetting {
    /// An optional file of `TENDER_…=value` lines, read after flags and environment variables.
    public static let configFile = TenderSetting(
        "TENDER_CONFIG_FILE", "A file of `TENDER_NAME=value` lines; flags and environment variables override it.")
    /// Where the database is.
    public static let databaseURL = TenderSetting("TENDER_DATABASE_URL", "The PostgreSQL database: a libpq connection string or postgresql:// URL.")
    /// Where the connections that keep session state go, bypassing a transaction-mode pooler.
    public static let listenDatabaseURL = TenderSetting(
        "TENDER_LISTEN_DATABASE_URL",
        "A direct PostgreSQL URL, past any pooler, for LISTEN, the worker-id lock and migrations; TENDER_DATABASE_URL when unset."
    )
    /// Whether the pool's connections go through a pooler in transaction mode.
    public static let transactionPooling = TenderSetting(
        "TENDER_DB_TRANSACTION_POOLING",
        "Whether TENDER_DATABASE_URL is a pooler in transaction mode: no prepared statements or session parameters there; needs TENDER_LISTEN_DATABASE_URL.",
        default: "false"
    )
    /// How many connections the worker's pool opens at most.
    public static let poolSize = TenderSetting("TENDER_DB_POOL_SIZE", "The most database connections.", default: "10")
    /// How long connecting to the database may take.
    public static let databaseConnectTimeout = TenderSetting(
        "TENDER_DB_CONNECT_TIMEOUT", "Seconds connecting to the database may take.", default: "5")
    /// How long the database may stay silent before its connection counts as lost.
    public static let databasePeerSilence = TenderSetting(
        "TENDER_DB_PEER_SILENCE", "Seconds the database may leave data unacknowledged or keepalives unanswered before the connection counts as lost.",
        default: "20"
    )
    /// How long one statement may run.
    public static let databaseStatementTimeout = TenderSetting(
        "TENDER_DB_STATEMENT_TIMEOUT", "Seconds one statement may run (statement_timeout).", default: "30")
    /// How long a statement may wait for a lock.
    public static let databaseLockTimeout = TenderSetting(
        "TENDER_DB_LOCK_TIMEOUT", "Seconds a statement may wait for a lock (lock_timeout).", default: "10")
    /// How long a transaction may sit idle.
    public static let databaseIdleInTransactionTimeout = TenderSetting(
        "TENDER_DB_IDLE_IN_TRANSACTION_TIMEOUT", "Seconds a transaction may sit idle before the server ends the session.", default: "30"
    )
    /// The gateway's base URL.
    public static let gatewayURL = TenderSetting("TENDER_GATEWAY_URL", "The gateway's base URL.")
    /// The gateway's secret API key.
    public static let gatewaySecretKey = TenderSetting("TENDER_GATEWAY_SECRET_KEY", "The gateway's secret API key.", secret: true)
    /// A file holding the gateway's secret API key.
    public static let gatewaySecretKeyFile = TenderSetting("TENDER_GATEWAY_SECRET_KEY_FILE", "A file holding the gateway's secret API key.")
    /// How long a gateway call may wait for its answer.
    public static let gatewayTimeout = TenderSetting(
        "TENDER_GATEWAY_TIMEOUT", "Seconds a gateway call waits for its answer once sent.", default: "10")
    /// How long connecting to the gateway may take.
    public static let gatewayConnectTimeout = TenderSetting(
        "TENDER_GATEWAY_CONNECT_TIMEOUT", "Seconds connecting to the gateway may take.", default: "5")
    /// The `success_url` of every session.
    public static let gatewaySuccessURL = TenderSetting(
        "TENDER_GATEWAY_SUCCESS_URL", "The `success_url` sent with every session (the shop's return page).", default: "https://localhost/"
    )
    /// The address the HTTP server binds.
    public static let httpHost = TenderSetting("TENDER_HTTP_HOST", "The address the HTTP server binds.", default: "127.0.0.1")
    /// The port the HTTP server binds.
    public static let httpPort = TenderSetting("TENDER_HTTP_PORT", "The port the HTTP server binds (0: any free port).", default: "8080")
    /// How long a request may take to arrive.
    public static let httpRequestTimeout = TenderSetting(
        "TENDER_HTTP_REQUEST_TIMEOUT", "Seconds a request may take to arrive in full, head and body; then the connection is closed.", default: "10"
    )
    /// The bearer token of the `/v1` routes.
    public static let apiToken = TenderSetting(
        "TENDER_API_TOKEN", "The bearer token of the /v1 routes; required unless the host is a loopback address.", secret: true
    )
    /// A file holding the API token.
    public static let apiTokenFile = TenderSetting("TENDER_API_TOKEN_FILE", "A file holding the API token.")
    /// The token operators sign in to the console with.
    public static let consoleToken = TenderSetting(
        "TENDER_CONSOLE_TOKEN", "The operator token of /console; without it the console is served only on a loopback host.", secret: true
    )
    /// A file holding the console token.
    public static let consoleTokenFile = TenderSetting("TENDER_CONSOLE_TOKEN_FILE", "A file holding the console token.")
    /// The public URL of the webhook route.
    public static let webhookURL = TenderSetting("TENDER_WEBHOOK_URL", "The public URL the gateway posts webhooks to; unset: polling only.")
    /// This worker's name in task leases.
    public static let workerID = TenderSetting("TENDER_WORKER_ID", "This worker's name in task leases.", default: "host-pid")
    /// The log level.
    public static let logLevel = TenderSetting("TENDER_LOG_LEVEL", "trace, debug, info, notice, warning, error or critical.", default: "info")
    /// How long the payer has to confirm.
    public static let confirmationTimeout = TenderSetting(
        "TENDER_CONFIRMATION_TIMEOUT", "Seconds from submission to an attempt's deadline: how long the payer has to confirm.", default: "90"
    )
    /// How long after the code was sent the first poll is made.
    public static let firstPollDelay = TenderSetting("TENDER_FIRST_POLL_DELAY", "Seconds from the code's acceptance to the first poll.", default: "5")
    /// The time between polls while the payer confirms.
    public static let pollInterval = TenderSetting("TENDER_POLL_INTERVAL", "Seconds between polls while the payer confirms.", default: "4")
    /// How long an expired session is still polled for a late completion.
    public static let gracePeriod = TenderSetting(
        "TENDER_GRACE_PERIOD", "Seconds an expired session is still polled for a late completion.", default: "900")
    /// The grid polls fall due on.
    public static let pollGrid = TenderSetting(
        "TENDER_POLL_GRID",
        "Seconds of the grid polls fall due on, so that polls of payments started moments apart are claimed and written together "
            + "(0: each poll due exactly its interval after the last).", default: "1"
    )
    /// How long a poll's answer waits for others to be written with.
    public static let pollBatchWindow = TenderSetting(
        "TENDER_POLL_BATCH_WINDOW", "Seconds a poll's answer waits for other polls' answers, to be written in one transaction (0: alone).",
        default: "0.02"
    )
    /// The most poll answers written in one transaction.
    public static let pollBatchSize = TenderSetting(
        "TENDER_POLL_BATCH_SIZE", "The most poll answers written in one transaction.", default: "100")
    /// The time between polls of an expired session.
    public static let gracePollInterval = TenderSetting("TENDER_GRACE_POLL_INTERVAL", "Seconds between polls of an expired session.", default: "60")
    /// The first backoff after a retryable gateway failure.
    public static let retryBackoff = TenderSetting(
        "TENDER_RETRY_BACKOFF", "Seconds before the first retry of a failed gateway call; doubles each time.", default: "0.5")
    /// The longest backoff between retries.
    public static let maximumRetryBackoff = TenderSetting(
        "TENDER_MAX_RETRY_BACKOFF", "The longest backoff between retries, in seconds.", default: "10")
    /// How long after the deadline the gateway may still take payment.
    public static let sessionLifetime = TenderSetting(
        "TENDER_SESSION_LIFETIME_BEYOND_DEADLINE",
        "Seconds after the deadline the gateway may still take payment of a session (0: it stops at the deadline, so a payer told to "
            + "enter a new code cannot be charged for the old one).", default: "0"
    )
    /// Whether a duplicate charge is refunded automatically.
    public static let refundDuplicates = TenderSetting(
        "TENDER_REFUND_DUPLICATES", "Whether a payer charged twice for one payment gets the second charge back (true or false).", default: "true"
    )
    /// Gateway reads per second allowed for polls.
    public static let pollBudget = TenderSetting("TENDER_POLL_BUDGET", "Gateway status reads per second allowed for polls.", default: "50")
    /// The most gateway calls in flight at once.
    public static let maximumConcurrentCalls = TenderSetting(
        "TENDER_MAX_CONCURRENT_CALLS", "The most gateway calls in flight at once; polls take at most three quarters of them.", default: "32")
    /// The most tasks claimed in one round trip, and the most deadlines fired in one transaction.
    public static let claimBatchSize = TenderSetting(
        "TENDER_CLAIM_BATCH_SIZE", "The most tasks claimed in one round trip (calls and polls), and the most deadlines fired in one transaction.",
        default: "128")
    /// How long a claim is held before another worker may take it over.
    public static let leaseSeconds = TenderSetting(
        "TENDER_LEASE_SECONDS", "Seconds a claimed task is held before another worker may take it over; extended while it runs.", default: "30"
    )
    /// How often the store is swept for tasks this worker was not told about.
    public static let sweepInterval = TenderSetting(
        "TENDER_SWEEP_INTERVAL", "Seconds between sweeps for tasks this worker was not told about.", default: "1")
    /// How long finished payments keep their details.
    public static let retentionDays = TenderSetting(
        "TENDER_RETENTION_DAYS", "Days after its outcome an attempt keeps its history, acknowledged events and webhook bodies.", default: "90"
    )
    /// How long a webhook for an unknown session is kept.
    public static let parkedWebhookHours = TenderSetting(
        "TENDER_PARKED_WEBHOOK_HOURS", "Hours a webhook for a session no attempt holds waits for one before it is deleted.", default: "24"
    )
    /// How far ahead a sweep loads due times.
    public static let lookahead = TenderSetting("TENDER_LOOKAHEAD", "Seconds ahead a sweep loads due times into the timer heap.", default: "2")

    /// Every setting, in the order `--print-configuration` and docs/operations.md list them.
    public static let all: [TenderSetting] = [
        .configFile, .databaseURL, .listenDatabaseURL, .transactionPooling, .poolSize, .databaseConnectTimeout, .databasePeerSilence,
        .databaseStatementTimeout, .databaseLockTimeout, .databaseIdleInTransactionTimeout, .gatewayURL, .gatewaySecretKey,
        .gatewaySecretKeyFile, .gatewayTimeout, .gatewayConnectTimeout, .gatewaySuccessURL, .httpHost, .httpPort, .httpRequestTimeout,
        .apiToken, .apiTokenFile, .consoleToken, .consoleTokenFile, .webhookURL, .workerID, .logLevel, .confirmationTimeout, .firstPollDelay,
        .pollInterval, .pollGrid, .pollBatchWindow, .pollBatchSize, .gracePeriod,
        .gracePollInterval, .retryBackoff, .maximumRetryBackoff, .sessionLifetime, .refundDuplicates, .pollBudget, .maximumConcurrentCalls,
        .claimBatchSize, .leaseSeconds, .sweepInterval, .lookahead, .retentionDays, .parkedWebhookHours,
    ]
}
