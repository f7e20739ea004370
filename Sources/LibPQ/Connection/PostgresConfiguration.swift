import CLibPQ
import Foundation

/// Where and how to connect: a libpq connection string, checked when it is created.
///
/// Accepts both forms libpq understands, a URL (`postgresql://user:secret@host:5432/db?sslmode=disable`)
/// and keyword/value pairs (`host=localhost port=5432 dbname=db`), including several hosts with
/// `target_session_attrs` for a primary that may move. ``description`` shows every setting except
/// passwords.
public struct PostgresConfiguration: Sendable, CustomStringConvertible {
    /// One keyword/value pair, as libpq's connection-string parser reports it.
    private struct Setting: Sendable {
        var keyword: String
        var value: String
    }

    private static let secretKeywords: Set<String> = ["password", "sslpassword"]

    private var settings: [Setting]

    /// The run-time parameters each session starts with (see ``withSessionParameters(_:)``).
    public private(set) var sessionParameters: [(name: String, value: String)] = []

    /// Whether a connection prepares the statements it runs again, so the server parses and plans
    /// each once per connection. On by default; off behind a pooler in transaction mode (see
    /// ``forTransactionPooling()``).
    public var preparesStatements = true

    /// Parses and validates a libpq connection string or URL.
    ///
    /// - Throws: ``PostgresError`` with code ``PostgresError/Code/invalidConfiguration`` when libpq
    ///   cannot parse it. The error does not repeat the string (it may hold a password).
    public init(connectionString: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(connectionString, &errorMessage) else {
            let reason = errorMessage.map { String(cString: $0) } ?? "out of memory"
            PQfreemem(errorMessage)
            throw PostgresError(
                code: .invalidConfiguration,
                clientMessage: "malformed connection string: \(Self.stripSecrets(from: reason))"
            )
        }
        defer { PQconninfoFree(options) }
        var settings: [Setting] = []
        var option = options
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val {
                settings.append(Setting(keyword: String(cString: keyword), value: String(cString: value)))
            }
            option += 1
        }
        self.settings = settings
    }

    /// The normalized keyword/value connection string handed to libpq.
    public var connectionString: String {
        settings.map { "\($0.keyword)=\(Self.quote($0.value))" }.joined(separator: " ")
    }

    /// The database name, if the connection string sets one.
    public var database: String? {
        settings.first { $0.keyword == "dbname" }?.value
    }

    /// A copy that connects to another database on the same server with the same credentials.
    public func withDatabase(_ name: String) -> PostgresConfiguration {
        var copy = self
        copy.settings.removeAll { $0.keyword == "dbname" }
        copy.settings.append(Setting(keyword: "dbname", value: name))
        return copy
    }

    /// The value the connection string gives `keyword`, if any.
    public func value(of keyword: String) -> String? {
        settings.first { $0.keyword == keyword }?.value
    }

    /// A copy with each connection keyword (such as `connect_timeout` or `keepalives_idle`) set to
    /// its value, unless the connection string sets it already: the operator's string wins.
    public func withDefaults(_ defaults: KeyValuePairs<String, String>) -> PostgresConfiguration {
        var copy = self
        for (keyword, value) in defaults where copy.value(of: keyword) == nil {
            copy.settings.append(Setting(keyword: keyword, value: value))
        }
        return copy
    }

    /// A copy whose sessions start with these run-time parameters (such as `statement_timeout`),
    /// set with `set_config` as soon as each connection is made. They are not sent as libpq's
    /// `options`, which poolers such as PgBouncer refuse. A parameter the connection string's own
    /// `options` sets is left out, so the operator's string wins.
    public func withSessionParameters(_ parameters: KeyValuePairs<String, String>) -> PostgresConfiguration {
        var copy = self
        let given = value(of: "options") ?? ""
        for (name, value) in parameters where !given.contains("\(name)=") {
            copy.sessionParameters.removeAll { $0.name == name }
            copy.sessionParameters.append((name, value))
        }
        return copy
    }

    /// A copy for connections through a pooler in transaction mode (PgBouncer's
    /// `pool_mode = transaction`), where consecutive transactions may run on different server
    /// sessions: it prepares no statements and sets no session parameters, since either would stay
    /// on a server session other clients then use. Set such parameters on the role or database
    /// instead (`ALTER ROLE … SET statement_timeout = …`).
    public func forTransactionPooling() -> PostgresConfiguration {
        var copy = self
        copy.preparesStatements = false
        copy.sessionParameters = []
        return copy
    }

    /// The settings with passwords replaced by `<redacted>`.
    public var description: String {
        let shown = settings.map { setting in
            Self.secretKeywords.contains(setting.keyword)
                ? "\(setting.keyword)=<redacted>"
                : "\(setting.keyword)=\(Self.quote(setting.value))"
        }
        return "PostgresConfiguration(\(shown.joined(separator: " ")))"
    }

    /// Quotes a value for a keyword/value connection string.
    private static func quote(_ value: String) -> String {
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'")
        return "'\(escaped)'"
    }

    /// libpq's parse errors quote fragments of the input, which may be a password; keep only the
    /// words before the first quote or colon, which name the problem.
    private static func stripSecrets(from message: String) -> String {
        let kept = message.prefix { $0 != "\"" && $0 != ":" && $0 != "\n" }
        return kept.trimmingCharacters(in: .whitespaces)
    }
}
