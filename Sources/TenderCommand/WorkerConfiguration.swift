import Foundation
import LibPQ
import Logging
import TenderConvergeGate
import TenderHTTP

/// Everything `tender worker` needs, read from environment variables and overridden by flags of
/// the same names, validated once.
///
/// The database password, the gateway's secret key and the API token never appear in
/// ``description`` or in a ``WorkerConfigurationError``.
struct WorkerConfiguration: Sendable, CustomStringConvertible {
    /// Where the database is.
    var database: PostgresConfiguration
    /// How to reach the gateway.
    var gateway: ConvergeGateConfiguration
    /// The address the HTTP server binds. Default `127.0.0.1`.
    var host: String
    /// The port the HTTP server binds (0: any free port). Default 8080.
    var port: Int
    /// The bearer token `/v1` routes require; `nil` only when ``host`` is a loopback address.
    var apiToken: APIToken?
    /// The public URL of this worker's webhook route, passed to the gateway as `notification_url`.
    var webhookURL: String?
    /// This worker's name in task leases.
    var workerID: String
    /// The log level. Default `info`.
    var logLevel: Logger.Level
    /// The most database connections. Default 10.
    var poolSize: Int

    static let defaultHost = "127.0.0.1"
    static let defaultPort = 8080
    static let defaultPoolSize = 10
    /// The shortest API token accepted.
    static let minimumTokenLength = 16

    /// Reads the settings: a flag (keyed by its variable's name) wins over the variable.
    /// - Throws: ``WorkerConfigurationError`` naming the first bad setting.
    init(environment: [String: String], flags: [String: String] = [:]) throws(WorkerConfigurationError) {
        func value(_ setting: WorkerSetting) -> String? {
            guard let text = flags[setting.variable] ?? environment[setting.variable], !text.isEmpty else { return nil }
            return text
        }

        guard let databaseURL = value(.databaseURL) else {
            throw WorkerConfigurationError(.databaseURL, "is required: a libpq connection string or postgresql:// URL")
        }
        do {
            self.database = try PostgresConfiguration(connectionString: databaseURL)
        } catch {
            throw WorkerConfigurationError(.databaseURL, "is not a valid libpq connection string or URL")
        }

        guard let gatewayURL = value(.gatewayURL) else {
            throw WorkerConfigurationError(.gatewayURL, "is required: the gateway's base URL")
        }
        guard let secretKey = try Self.secret(value(.gatewaySecretKey), file: value(.gatewaySecretKeyFile), .gatewaySecretKey, .gatewaySecretKeyFile) else {
            throw WorkerConfigurationError(.gatewaySecretKey, "is required (or \(WorkerSetting.gatewaySecretKeyFile.variable), a file holding it)")
        }
        do {
            self.gateway = try ConvergeGateConfiguration(baseURL: gatewayURL, secretKey: secretKey)
        } catch {
            throw WorkerConfigurationError(error.setting == "secretKey" ? .gatewaySecretKey : .gatewayURL, error.message)
        }

        self.host = value(.httpHost) ?? Self.defaultHost
        guard host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw WorkerConfigurationError(.httpHost, "must be a host name or IP address")
        }
        self.port = try Self.integer(value(.httpPort), .httpPort, default: Self.defaultPort, in: 0...65535)

        if let token = try Self.secret(value(.apiToken), file: value(.apiTokenFile), .apiToken, .apiTokenFile) {
            guard token.count >= Self.minimumTokenLength else {
                throw WorkerConfigurationError(.apiToken, "must be at least \(Self.minimumTokenLength) characters")
            }
            self.apiToken = APIToken(token)
        } else {
            guard Self.isLoopback(host) else {
                throw WorkerConfigurationError(
                    .apiToken,
                    "is required when \(WorkerSetting.httpHost.variable) is not a loopback address: "
                        + "without a token anyone who reaches the port could submit and read payments"
                )
            }
            self.apiToken = nil
        }

        if let webhookURL = value(.webhookURL) {
            guard let url = URL(string: webhookURL), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
                url.host?.isEmpty == false, url.user == nil, url.password == nil
            else {
                throw WorkerConfigurationError(.webhookURL, "must be an absolute http or https URL without credentials")
            }
            self.webhookURL = webhookURL
        }

        if let workerID = value(.workerID) {
            guard workerID.utf8.count <= 64, workerID.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                throw WorkerConfigurationError(.workerID, "must be 1 to 64 printable ASCII characters")
            }
            self.workerID = workerID
        } else {
            self.workerID = "\(ProcessInfo.processInfo.hostName.prefix(40))-\(ProcessInfo.processInfo.processIdentifier)"
        }

        if let level = value(.logLevel) {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw WorkerConfigurationError(.logLevel, "must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            self.logLevel = parsed
        } else {
            self.logLevel = .info
        }
        self.poolSize = try Self.integer(value(.poolSize), .poolSize, default: Self.defaultPoolSize, in: 1...200)
    }

    /// Whether `host` only accepts connections from this machine.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host == "[::1]" || (host.hasPrefix("127.") && host.split(separator: ".").count == 4)
    }

    /// A secret given directly or in a file (trailing newlines dropped), but not both.
    private static func secret(
        _ direct: String?, file path: String?, _ setting: WorkerSetting, _ fileSetting: WorkerSetting
    ) throws(WorkerConfigurationError) -> String? {
        switch (direct, path) {
        case (.some, .some):
            throw WorkerConfigurationError(setting, "is set together with \(fileSetting.variable); set only one")
        case (.some(let secret), nil):
            return secret
        case (nil, .some(let path)):
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw WorkerConfigurationError(fileSetting, "names a file that cannot be read as UTF-8")
            }
            var secret = Substring(text)
            while let last = secret.last, last.isNewline || last == " " { secret = secret.dropLast() }
            guard !secret.isEmpty else {
                throw WorkerConfigurationError(fileSetting, "names an empty file")
            }
            return String(secret)
        case (nil, nil):
            return nil
        }
    }

    private static func integer(_ text: String?, _ setting: WorkerSetting, default value: Int, in range: ClosedRange<Int>) throws(WorkerConfigurationError) -> Int {
        guard let text else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw WorkerConfigurationError(setting, "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// The settings with the password and secrets redacted.
    var description: String {
        [
            "database: \(database)",
            "gateway: \(gateway.baseURL.absoluteString) (secret key redacted)",
            "listen: \(host):\(port)",
            "api token: \(apiToken == nil ? "none (loopback only)" : APIToken.redacted)",
            "webhook url: \(webhookURL ?? "none (polling only)")",
            "worker id: \(workerID)",
            "log level: \(logLevel)",
            "pool size: \(poolSize)",
        ].joined(separator: ", ")
    }
}
