/// A ``ConvergeGateConfiguration`` that cannot work, refused when it is built.
///
/// The description names the setting and the rule, never the value, so a secret key passed in
/// the wrong place cannot leak through it.
public struct ConvergeGateConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of setting was refused.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case invalidBaseURL, emptySecretKey, invalidTimeout, invalidConnectionPoolSize, invalidWebhookLimit
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The base URL is not an absolute `http` or `https` URL with a host.
        public static let invalidBaseURL = Code(.invalidBaseURL)
        /// The secret key is empty.
        public static let emptySecretKey = Code(.emptySecretKey)
        /// A timeout is zero or negative.
        public static let invalidTimeout = Code(.invalidTimeout)
        /// The connection pool size is below one.
        public static let invalidConnectionPoolSize = Code(.invalidConnectionPoolSize)
        /// The webhook tolerance or body limit is zero or negative.
        public static let invalidWebhookLimit = Code(.invalidWebhookLimit)

        /// The code's name.
        public var description: String { base.rawValue }
    }

    /// What kind of setting was refused.
    public let code: Code
    /// The name of the refused setting.
    public let setting: String
    /// The rule that was broken, without the value.
    public let message: String

    /// Creates an error for `setting`.
    public init(_ code: Code, setting: String, _ message: String) {
        self.code = code
        self.setting = setting
        self.message = message
    }

    /// The setting and the rule, never the value.
    public var description: String { "ConvergeGateConfigurationError(\(code): \(setting) \(message))" }
}
