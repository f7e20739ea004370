/// One setting of `tender worker`: its environment variable and the flag that overrides it.
struct WorkerSetting: Sendable, Hashable, CustomStringConvertible {
    /// The environment variable, e.g. `TENDER_DATABASE_URL`.
    let variable: String

    /// The flag, e.g. `--database-url`.
    var flag: String {
        "--" + variable.dropFirst("TENDER_".count).lowercased().replacingOccurrences(of: "_", with: "-")
    }

    /// `TENDER_DATABASE_URL (--database-url)`.
    var description: String { "\(variable) (\(flag))" }

    static let databaseURL = WorkerSetting(variable: "TENDER_DATABASE_URL")
    static let gatewayURL = WorkerSetting(variable: "TENDER_GATEWAY_URL")
    static let gatewaySecretKey = WorkerSetting(variable: "TENDER_GATEWAY_SECRET_KEY")
    static let gatewaySecretKeyFile = WorkerSetting(variable: "TENDER_GATEWAY_SECRET_KEY_FILE")
    static let httpHost = WorkerSetting(variable: "TENDER_HTTP_HOST")
    static let httpPort = WorkerSetting(variable: "TENDER_HTTP_PORT")
    static let apiToken = WorkerSetting(variable: "TENDER_API_TOKEN")
    static let apiTokenFile = WorkerSetting(variable: "TENDER_API_TOKEN_FILE")
    static let webhookURL = WorkerSetting(variable: "TENDER_WEBHOOK_URL")
    static let workerID = WorkerSetting(variable: "TENDER_WORKER_ID")
    static let logLevel = WorkerSetting(variable: "TENDER_LOG_LEVEL")
    static let poolSize = WorkerSetting(variable: "TENDER_DB_POOL_SIZE")
}
