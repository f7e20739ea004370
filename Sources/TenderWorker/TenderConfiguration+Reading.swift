import Configuration
import Foundation
import LibPQ
import Logging
import SystemPackage
import Tender
import TenderConsole
import TenderConvergeGate
import TenderHTTP

extension TenderConfiguration {
    /// The configuration sources of a worker, highest precedence first: `flags` (keyed by
    /// variable name), then `environment`, then the file ``TenderSetting/configFile`` names, if any.
    /// - Throws: ``TenderConfigurationError`` when the file cannot be read or parsed.
    public static func reader(flags: [String: String] = [:], environment: [String: String]) async throws(TenderConfigurationError) -> ConfigReader {
        let secrets = Set(TenderSetting.all.filter(\.isSecret).map(\.variable))
        let flagValues = Dictionary(
            uniqueKeysWithValues: TenderSetting.all.compactMap { setting in
                flags[setting.variable].map { (AbsoluteConfigKey(setting.key), ConfigValue(.string($0), isSecret: setting.isSecret)) }
            }
        )
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: flagValues),
            EnvironmentVariablesProvider(environmentVariables: environment, secretsSpecifier: .specific(secrets)),
        ]
        let path = flags[TenderSetting.configFile.variable] ?? environment[TenderSetting.configFile.variable]
        if let path, !path.isEmpty {
            do {
                providers.append(try await EnvironmentVariablesProvider(environmentFilePath: FilePath(path), secretsSpecifier: .specific(secrets)))
            } catch {
                throw TenderConfigurationError(.configFile, "names a file that cannot be read as `TENDER_NAME=value` lines")
            }
        }
        return ConfigReader(providers: providers)
    }

    /// Reads and checks every setting.
    /// - Throws: ``TenderConfigurationError`` naming the first missing or invalid setting.
    public init(reading reader: ConfigReader) throws(TenderConfigurationError) {
        let settings = SettingsReader(reader: reader)

        let databaseURL = try settings.required(.databaseURL, "a libpq connection string or postgresql:// URL")
        let database: PostgresConfiguration
        do {
            database = try PostgresConfiguration(connectionString: databaseURL)
        } catch {
            throw TenderConfigurationError(.databaseURL, "is not a valid libpq connection string or URL")
        }
        self.init(database: database, gateway: try Self.gateway(settings), engine: try Self.engine(settings))
        if let listenURL = settings.text(.listenDatabaseURL) {
            do {
                listenDatabase = try PostgresConfiguration(connectionString: listenURL)
            } catch {
                throw TenderConfigurationError(.listenDatabaseURL, "is not a valid libpq connection string or URL")
            }
        }
        transactionPooling = try settings.bool(.transactionPooling, default: false)
        guard !transactionPooling || listenDatabase != nil else {
            throw TenderConfigurationError(
                .listenDatabaseURL, "is required with TENDER_DB_TRANSACTION_POOLING: LISTEN and session locks need a direct connection")
        }
        poolSize = try settings.integer(.poolSize, default: poolSize, in: 1...200)
        databaseTimeouts.connect = try settings.seconds(.databaseConnectTimeout, default: databaseTimeouts.connect, in: 2...300)
        databaseTimeouts.peerSilence = try settings.seconds(.databasePeerSilence, default: databaseTimeouts.peerSilence, in: 3...3600)
        databaseTimeouts.statement = try settings.seconds(.databaseStatementTimeout, default: databaseTimeouts.statement, in: 0.1...3600)
        databaseTimeouts.lock = try settings.seconds(.databaseLockTimeout, default: databaseTimeouts.lock, in: 0.1...3600)
        databaseTimeouts.idleInTransaction = try settings.seconds(
            .databaseIdleInTransactionTimeout, default: databaseTimeouts.idleInTransaction, in: 1...3600
        )

        host = settings.text(.httpHost) ?? host
        guard host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw TenderConfigurationError(.httpHost, "must be a host name or IP address")
        }
        port = try settings.integer(.httpPort, default: port, in: 0...65535)
        requestTimeout = try settings.seconds(.httpRequestTimeout, default: requestTimeout, in: 1...300)
        if let token = try settings.secret(.apiToken, file: .apiTokenFile) {
            guard token.count >= Self.minimumTokenLength else {
                throw TenderConfigurationError(.apiToken, "must be at least \(Self.minimumTokenLength) characters")
            }
            apiToken = APIToken(token)
        } else if !Self.isLoopback(host) {
            throw TenderConfigurationError(
                .apiToken,
                "is required when \(TenderSetting.httpHost.variable) is not a loopback address: "
                    + "without a token anyone who reaches the port could submit and read payments"
            )
        }
        if let token = try settings.secret(.consoleToken, file: .consoleTokenFile) {
            guard token.count >= Self.minimumTokenLength else {
                throw TenderConfigurationError(.consoleToken, "must be at least \(Self.minimumTokenLength) characters")
            }
            guard apiToken?.matches(token) != true else {
                throw TenderConfigurationError(
                    .consoleToken, "must differ from \(TenderSetting.apiToken.variable): operators and the order system hold different keys")
            }
            consoleToken = ConsoleToken(token)
        }
        if let level = settings.text(.logLevel) {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw TenderConfigurationError(.logLevel, "must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            logLevel = parsed
        }
    }

    private static func gateway(_ settings: SettingsReader) throws(TenderConfigurationError) -> ConvergeGateConfiguration {
        let url = try settings.required(.gatewayURL, "the gateway's base URL")
        guard let secretKey = try settings.secret(.gatewaySecretKey, file: .gatewaySecretKeyFile) else {
            throw TenderConfigurationError(.gatewaySecretKey, "is required (or \(TenderSetting.gatewaySecretKeyFile.variable), a file holding it)")
        }
        let timeouts = ConvergeGateConfiguration.Timeouts(
            connect: try settings.seconds(.gatewayConnectTimeout, default: .seconds(5), in: 0.1...120),
            read: try settings.seconds(.gatewayTimeout, default: .seconds(10), in: 0.1...300)
        )
        let successURL = try settings.webURL(.gatewaySuccessURL) ?? ConvergeGateConfiguration.defaultSuccessURL
        do {
            return try ConvergeGateConfiguration(baseURL: url, secretKey: secretKey, timeouts: timeouts, successURL: successURL)
        } catch {
            throw TenderConfigurationError(error.setting == "secretKey" ? .gatewaySecretKey : .gatewayURL, error.message)
        }
    }

    /// The worker's poll grid unless configured: polls of payments started within a second are
    /// claimed and written together. (An embedding's ``AttemptPolicy`` has none unless it asks.)
    static let workerPollGrid: Duration = .seconds(1)

    private static func engine(_ settings: SettingsReader) throws(TenderConfigurationError) -> EngineConfiguration {
        var engine = EngineConfiguration()
        if let workerID = settings.text(.workerID) {
            guard workerID.utf8.count <= 64, workerID.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw TenderConfigurationError(.workerID, "must be 1 to 64 printable ASCII characters")
            }
            engine.workerID = workerID
        } else {
            engine.workerID = "\(ProcessInfo.processInfo.hostName.prefix(40))-\(ProcessInfo.processInfo.processIdentifier)"
        }
        engine.webhookURL = try settings.webURL(.webhookURL)
        engine.pollBudget = try settings.number(.pollBudget, default: engine.pollBudget, in: 0.1...100_000)
        engine.maximumConcurrentCalls = try settings.integer(.maximumConcurrentCalls, default: engine.maximumConcurrentCalls, in: 1...10_000)
        engine.claimBatchSize = try settings.integer(.claimBatchSize, default: engine.claimBatchSize, in: 1...10_000)
        engine.pollBatchWindow = try settings.seconds(.pollBatchWindow, default: engine.pollBatchWindow, in: 0...10)
        engine.pollBatchSize = try settings.integer(.pollBatchSize, default: engine.pollBatchSize, in: 1...10_000)
        engine.leaseDuration = try settings.seconds(.leaseSeconds, default: engine.leaseDuration, in: 1...3600)
        engine.sweepInterval = try settings.seconds(.sweepInterval, default: engine.sweepInterval, in: 0.01...60)
        engine.lookahead = try settings.seconds(.lookahead, default: engine.lookahead, in: 0...600)
        let days = try settings.integer(.retentionDays, default: Int(engine.retention.finishedAttempts.timeInterval / 86_400), in: 1...3650)
        engine.retention.finishedAttempts = .seconds(days * 86_400)
        let hours = try settings.integer(.parkedWebhookHours, default: Int(engine.retention.parkedWebhooks.timeInterval / 3_600), in: 1...720)
        engine.retention.parkedWebhooks = .seconds(hours * 3_600)

        var policy = engine.policy
        policy.confirmationWindow = try settings.seconds(.confirmationTimeout, default: policy.confirmationWindow, in: 1...3600)
        policy.firstPollDelay = try settings.seconds(.firstPollDelay, default: policy.firstPollDelay, in: 0...3600)
        policy.pollInterval = try settings.seconds(.pollInterval, default: policy.pollInterval, in: 0.1...3600)
        policy.pollGrid = try settings.seconds(.pollGrid, default: Self.workerPollGrid, in: 0...60)
        policy.gracePeriod = try settings.seconds(.gracePeriod, default: policy.gracePeriod, in: 0...86_400)
        policy.gracePollInterval = try settings.seconds(.gracePollInterval, default: policy.gracePollInterval, in: 0.1...3600)
        policy.retryBackoff = try settings.seconds(.retryBackoff, default: policy.retryBackoff, in: 0.01...600)
        policy.maximumRetryBackoff = try settings.seconds(.maximumRetryBackoff, default: policy.maximumRetryBackoff, in: 0.01...3600)
        policy.sessionLifetimeBeyondDeadline = try settings.seconds(.sessionLifetime, default: policy.sessionLifetimeBeyondDeadline, in: 0...3600)
        policy.refundsDuplicates = try settings.bool(.refundDuplicates, default: policy.refundsDuplicates)
        guard policy.maximumRetryBackoff >= policy.retryBackoff else {
            throw TenderConfigurationError(.maximumRetryBackoff, "must not be shorter than \(TenderSetting.retryBackoff.variable)")
        }
        engine.policy = policy
        return engine
    }
}
