import ArgumentParser

/// The flags of `tender worker`; each overrides the environment variable of the same name.
struct WorkerOptions: ParsableArguments {
    @Option(name: .customLong("database-url"), help: "TENDER_DATABASE_URL: a libpq connection string or postgresql:// URL.")
    var databaseURL: String?
    @Option(name: .customLong("gateway-url"), help: "TENDER_GATEWAY_URL: the gateway's base URL.")
    var gatewayURL: String?
    @Option(name: .customLong("gateway-secret-key"), help: "TENDER_GATEWAY_SECRET_KEY (prefer the variable or the file: flags show in ps).")
    var gatewaySecretKey: String?
    @Option(name: .customLong("gateway-secret-key-file"), help: "TENDER_GATEWAY_SECRET_KEY_FILE: a file holding the secret key.")
    var gatewaySecretKeyFile: String?
    @Option(name: .customLong("http-host"), help: "TENDER_HTTP_HOST: the address to listen on (default 127.0.0.1).")
    var httpHost: String?
    @Option(name: .customLong("http-port"), help: "TENDER_HTTP_PORT: the port to listen on (default 8080).")
    var httpPort: String?
    @Option(name: .customLong("api-token"), help: "TENDER_API_TOKEN: the bearer token of /v1 routes (prefer the variable or the file).")
    var apiToken: String?
    @Option(name: .customLong("api-token-file"), help: "TENDER_API_TOKEN_FILE: a file holding the API token.")
    var apiTokenFile: String?
    @Option(name: .customLong("webhook-url"), help: "TENDER_WEBHOOK_URL: the public URL the gateway posts webhooks to.")
    var webhookURL: String?
    @Option(name: .customLong("worker-id"), help: "TENDER_WORKER_ID: this worker's name in task leases (default host-pid).")
    var workerID: String?
    @Option(name: .customLong("log-level"), help: "TENDER_LOG_LEVEL: trace, debug, info, notice, warning, error or critical.")
    var logLevel: String?
    @Option(name: .customLong("db-pool-size"), help: "TENDER_DB_POOL_SIZE: the most database connections (default 10).")
    var poolSize: String?

    /// The flags given, keyed by their environment variable's name.
    var flags: [String: String] {
        let pairs: [(WorkerSetting, String?)] = [
            (.databaseURL, databaseURL), (.gatewayURL, gatewayURL), (.gatewaySecretKey, gatewaySecretKey),
            (.gatewaySecretKeyFile, gatewaySecretKeyFile), (.httpHost, httpHost), (.httpPort, httpPort),
            (.apiToken, apiToken), (.apiTokenFile, apiTokenFile), (.webhookURL, webhookURL), (.workerID, workerID),
            (.logLevel, logLevel), (.poolSize, poolSize),
        ]
        return Dictionary(uniqueKeysWithValues: pairs.compactMap { setting, value in value.map { (setting.variable, $0) } })
    }
}
