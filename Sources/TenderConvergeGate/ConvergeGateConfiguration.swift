import Foundation

/// Everything ``ConvergeGateClient`` and ``ConvergeGateWebhookVerifier`` need to talk to one
/// ConvergeGate merchant account.
///
/// Built in code and validated once, in ``init(baseURL:secretKey:timeouts:connectionPoolSize:webhookTolerance:maximumWebhookBodySize:userAgent:successURL:)``;
/// environment variables and flags are read by the executable, not here. The secret key never
/// appears in ``description``, ``debugDescription`` or a mirror.
public struct ConvergeGateConfiguration: Sendable {
    /// How long a gateway call may take.
    public struct Timeouts: Sendable, Hashable {
        /// How long establishing a connection may take. Default 5 s.
        public var connect: Duration
        /// How long to wait for the answer once the request is sent. Default 10 s.
        public var read: Duration

        /// Creates timeouts.
        public init(connect: Duration = .seconds(5), read: Duration = .seconds(10)) {
            self.connect = connect
            self.read = read
        }

        /// The deadline of a whole call: connecting plus reading.
        public var total: Duration { connect + read }
    }

    /// The merchant's base URL; every API path is appended to it.
    public let baseURL: URL
    /// The secret API key, sent as the basic-auth user name and hashed into the webhook key.
    public let secretKey: ConvergeGateSecretKey
    /// Connect and read timeouts of every call.
    public let timeouts: Timeouts
    /// How many connections an owned HTTP client keeps to the gateway. Default 8.
    public let connectionPoolSize: Int
    /// How far a webhook's timestamp may be from now, in either direction. Default 300 s.
    public let webhookTolerance: Duration
    /// The largest webhook body accepted, in bytes. Default 64 KiB.
    public let maximumWebhookBodySize: Int
    /// The `User-Agent` header of every call.
    public let userAgent: String
    /// The `success_url` the API requires on every session. A BLIK payment made with a code never
    /// redirects the payer, so the page is not visited; set it to the shop's return page.
    public let successURL: String

    /// The default `User-Agent`.
    public static let defaultUserAgent = "Tender/1 (ConvergeGate client)"
    /// The default `success_url`.
    public static let defaultSuccessURL = "https://localhost/"

    /// Creates and validates a configuration.
    /// - Throws: ``ConvergeGateConfigurationError`` when the base URL is not an absolute http(s)
    ///   URL with a host (and without credentials, query or fragment) or is plain http with a live
    ///   key, the key is empty, a timeout or limit is not positive, or the pool size is
    ///   below one.
    public init(
        baseURL: String,
        secretKey: String,
        timeouts: Timeouts = Timeouts(),
        connectionPoolSize: Int = 32,
        webhookTolerance: Duration = .seconds(300),
        maximumWebhookBodySize: Int = 64 * 1024,
        userAgent: String = Self.defaultUserAgent,
        successURL: String = Self.defaultSuccessURL
    ) throws(ConvergeGateConfigurationError) {
        guard let url = URL(string: baseURL),
            let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            let host = url.host, !host.isEmpty,
            url.user == nil, url.password == nil, url.query == nil, url.fragment == nil
        else {
            throw ConvergeGateConfigurationError(
                .invalidBaseURL,
                setting: "baseURL",
                "must be an absolute http or https URL with a host, and no user, query or fragment"
            )
        }
        guard !secretKey.isEmpty else {
            throw ConvergeGateConfigurationError(.emptySecretKey, setting: "secretKey", "must not be empty")
        }
        guard scheme == "https" || !ConvergeGateSecretKey(secretKey).isLiveMode else {
            // A live key sent in clear text could be read by anyone on the path.
            throw ConvergeGateConfigurationError(.invalidBaseURL, setting: "baseURL", "must be an https URL with a live secret key")
        }
        guard timeouts.connect > .zero, timeouts.read > .zero else {
            throw ConvergeGateConfigurationError(.invalidTimeout, setting: "timeouts", "must be positive")
        }
        guard connectionPoolSize >= 1 else {
            throw ConvergeGateConfigurationError(.invalidConnectionPoolSize, setting: "connectionPoolSize", "must be at least 1")
        }
        guard webhookTolerance > .zero else {
            throw ConvergeGateConfigurationError(.invalidWebhookLimit, setting: "webhookTolerance", "must be positive")
        }
        guard maximumWebhookBodySize > 0 else {
            throw ConvergeGateConfigurationError(.invalidWebhookLimit, setting: "maximumWebhookBodySize", "must be positive")
        }
        self.baseURL = url
        self.secretKey = ConvergeGateSecretKey(secretKey)
        self.timeouts = timeouts
        self.connectionPoolSize = connectionPoolSize
        self.webhookTolerance = webhookTolerance
        self.maximumWebhookBodySize = maximumWebhookBodySize
        self.userAgent = userAgent
        self.successURL = successURL
    }
}

extension ConvergeGateConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// The settings, with the key redacted.
    public var description: String {
        "ConvergeGateConfiguration(baseURL: \(baseURL.absoluteString), secretKey: \(ConvergeGateSecretKey.redacted), "
            + "timeouts: connect \(timeouts.connect) read \(timeouts.read), connectionPoolSize: \(connectionPoolSize), "
            + "webhookTolerance: \(webhookTolerance), maximumWebhookBodySize: \(maximumWebhookBodySize))"
    }

    /// Same as ``description``.
    public var debugDescription: String { description }

    /// The settings, with the key shown as ``ConvergeGateSecretKey/redacted``.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "baseURL": baseURL.absoluteString,
                "secretKey": ConvergeGateSecretKey.redacted,
                "timeouts": timeouts,
                "connectionPoolSize": connectionPoolSize,
                "webhookTolerance": webhookTolerance,
                "maximumWebhookBodySize": maximumWebhookBodySize,
                "userAgent": userAgent,
                "successURL": successURL,
            ],
            displayStyle: .struct
        )
    }
}
