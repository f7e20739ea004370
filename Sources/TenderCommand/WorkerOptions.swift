import ArgumentParser
import TenderWorker

/// The flags of `tender worker`, one per ``TenderSetting``; each overrides the environment variable
/// of the same name, which overrides the configuration file.
struct WorkerOptions: ParsableArguments {
    @Option(name: .customLong("config-file"), help: .setting(.configFile)) var configFile: String?
    @Option(name: .customLong("database-url"), help: .setting(.databaseURL)) var databaseURL: String?
    @Option(name: .customLong("listen-database-url"), help: .setting(.listenDatabaseURL)) var listenDatabaseURL: String?
    @Option(name: .customLong("db-transaction-pooling"), help: .setting(.transactionPooling)) var transactionPooling: String?
    @Option(name: .customLong("db-pool-size"), help: .setting(.poolSize)) var poolSize: String?
    @Option(name: .customLong("db-connect-timeout"), help: .setting(.databaseConnectTimeout)) var databaseConnectTimeout: String?
    @Option(name: .customLong("db-peer-silence"), help: .setting(.databasePeerSilence)) var databasePeerSilence: String?
    @Option(name: .customLong("db-statement-timeout"), help: .setting(.databaseStatementTimeout)) var databaseStatementTimeout: String?
    @Option(name: .customLong("db-lock-timeout"), help: .setting(.databaseLockTimeout)) var databaseLockTimeout: String?
    @Option(name: .customLong("db-idle-in-transaction-timeout"), help: .setting(.databaseIdleInTransactionTimeout))
    var databaseIdleInTransactionTimeout: String?
    @Option(name: .customLong("gateway-url"), help: .setting(.gatewayURL)) var gatewayURL: String?
    @Option(name: .customLong("gateway-secret-key"), help: .setting(.gatewaySecretKey)) var gatewaySecretKey: String?
    @Option(name: .customLong("gateway-secret-key-file"), help: .setting(.gatewaySecretKeyFile)) var gatewaySecretKeyFile: String?
    @Option(name: .customLong("gateway-timeout"), help: .setting(.gatewayTimeout)) var gatewayTimeout: String?
    @Option(name: .customLong("gateway-connect-timeout"), help: .setting(.gatewayConnectTimeout)) var gatewayConnectTimeout: String?
    @Option(name: .customLong("gateway-success-url"), help: .setting(.gatewaySuccessURL)) var gatewaySuccessURL: String?
    @Option(name: .customLong("http-host"), help: .setting(.httpHost)) var httpHost: String?
    @Option(name: .customLong("http-port"), help: .setting(.httpPort)) var httpPort: String?
    @Option(name: .customLong("api-token"), help: .setting(.apiToken)) var apiToken: String?
    @Option(name: .customLong("api-token-file"), help: .setting(.apiTokenFile)) var apiTokenFile: String?
    @Option(name: .customLong("webhook-url"), help: .setting(.webhookURL)) var webhookURL: String?
    @Option(name: .customLong("worker-id"), help: .setting(.workerID)) var workerID: String?
    @Option(name: .customLong("log-level"), help: .setting(.logLevel)) var logLevel: String?
    @Option(name: .customLong("confirmation-timeout"), help: .setting(.confirmationTimeout)) var confirmationTimeout: String?
    @Option(name: .customLong("first-poll-delay"), help: .setting(.firstPollDelay)) var firstPollDelay: String?
    @Option(name: .customLong("poll-interval"), help: .setting(.pollInterval)) var pollInterval: String?
    @Option(name: .customLong("poll-grid"), help: .setting(.pollGrid)) var pollGrid: String?
    @Option(name: .customLong("poll-batch-window"), help: .setting(.pollBatchWindow)) var pollBatchWindow: String?
    @Option(name: .customLong("poll-batch-size"), help: .setting(.pollBatchSize)) var pollBatchSize: String?
    @Option(name: .customLong("grace-period"), help: .setting(.gracePeriod)) var gracePeriod: String?
    @Option(name: .customLong("grace-poll-interval"), help: .setting(.gracePollInterval)) var gracePollInterval: String?
    @Option(name: .customLong("retry-backoff"), help: .setting(.retryBackoff)) var retryBackoff: String?
    @Option(name: .customLong("max-retry-backoff"), help: .setting(.maximumRetryBackoff)) var maximumRetryBackoff: String?
    @Option(name: .customLong("session-lifetime-beyond-deadline"), help: .setting(.sessionLifetime)) var sessionLifetime: String?
    @Option(name: .customLong("refund-duplicates"), help: .setting(.refundDuplicates)) var refundDuplicates: String?
    @Option(name: .customLong("poll-budget"), help: .setting(.pollBudget)) var pollBudget: String?
    @Option(name: .customLong("max-concurrent-calls"), help: .setting(.maximumConcurrentCalls)) var maximumConcurrentCalls: String?
    @Option(name: .customLong("claim-batch-size"), help: .setting(.claimBatchSize)) var claimBatchSize: String?
    @Option(name: .customLong("lease-seconds"), help: .setting(.leaseSeconds)) var leaseSeconds: String?
    @Option(name: .customLong("sweep-interval"), help: .setting(.sweepInterval)) var sweepInterval: String?
    @Option(name: .customLong("lookahead"), help: .setting(.lookahead)) var lookahead: String?

    /// The flags given, keyed by their environment variable's name.
    var flags: [String: String] {
        let given: [(TenderSetting, String?)] = [
            (.configFile, configFile), (.databaseURL, databaseURL), (.listenDatabaseURL, listenDatabaseURL),
            (.transactionPooling, transactionPooling), (.poolSize, poolSize),
            (.databaseConnectTimeout, databaseConnectTimeout), (.databasePeerSilence, databasePeerSilence),
            (.databaseStatementTimeout, databaseStatementTimeout), (.databaseLockTimeout, databaseLockTimeout),
            (.databaseIdleInTransactionTimeout, databaseIdleInTransactionTimeout), (.gatewayURL, gatewayURL),
            (.gatewaySecretKey, gatewaySecretKey), (.gatewaySecretKeyFile, gatewaySecretKeyFile),
            (.gatewayTimeout, gatewayTimeout), (.gatewayConnectTimeout, gatewayConnectTimeout),
            (.gatewaySuccessURL, gatewaySuccessURL), (.httpHost, httpHost), (.httpPort, httpPort), (.apiToken, apiToken),
            (.apiTokenFile, apiTokenFile), (.webhookURL, webhookURL), (.workerID, workerID), (.logLevel, logLevel),
            (.confirmationTimeout, confirmationTimeout), (.firstPollDelay, firstPollDelay), (.pollInterval, pollInterval),
            (.pollGrid, pollGrid), (.pollBatchWindow, pollBatchWindow), (.pollBatchSize, pollBatchSize),
            (.gracePeriod, gracePeriod), (.gracePollInterval, gracePollInterval), (.retryBackoff, retryBackoff),
            (.maximumRetryBackoff, maximumRetryBackoff), (.sessionLifetime, sessionLifetime),
            (.refundDuplicates, refundDuplicates), (.pollBudget, pollBudget), (.maximumConcurrentCalls, maximumConcurrentCalls),
            (.claimBatchSize, claimBatchSize), (.leaseSeconds, leaseSeconds), (.sweepInterval, sweepInterval),
            (.lookahead, lookahead),
        ]
        return Dictionary(uniqueKeysWithValues: given.compactMap { setting, value in value.map { (setting.variable, $0) } })
    }
}

extension ArgumentHelp {
    /// The help of a setting's flag: its variable, meaning and default.
    static func setting(_ setting: TenderSetting) -> ArgumentHelp {
        let secret = setting.isSecret ? " Prefer the variable or the file: flags show in ps." : ""
        return ArgumentHelp("\(setting.variable): \(setting.summary)" + (setting.defaultValue.map { " Default \($0)." } ?? "") + secret)
    }
}
