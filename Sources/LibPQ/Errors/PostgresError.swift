/// An error from PostgreSQL or from this client.
///
/// Match on ``code`` to react to a kind of failure; the server's fields (``sqlState``,
/// ``constraint``, ``serverMessage``) are kept for diagnosis. ``description`` never contains bound
/// parameter values: it leaves out the server's message for SQLSTATE classes whose messages may
/// quote input, such as data exceptions (class 22).
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure. New kinds may be added; switch with a `default` branch.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case uniqueViolation
            case serializationFailure
            case connectionLost
            case connectionFailed
            case queryCancelled
            case syntaxError
            case undefinedObject
            case timeout
            case poolClosed
            case decodingFailed
            case encodingFailed
            case invalidConfiguration
            case nestedTransaction
            case notCommitted
            case server
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// A unique or primary-key constraint was violated (SQLSTATE 23505).
        public static let uniqueViolation = Code(.uniqueViolation)
        /// The transaction could not be serialized or was chosen as a deadlock victim
        /// (SQLSTATE 40001, 40P01); retrying it may succeed.
        public static let serializationFailure = Code(.serializationFailure)
        /// The connection broke (or the server ended the session); the connection is unusable.
        public static let connectionLost = Code(.connectionLost)
        /// A connection could not be established.
        public static let connectionFailed = Code(.connectionFailed)
        /// The query was cancelled, by the calling task's cancellation or by the server (SQLSTATE 57014).
        public static let queryCancelled = Code(.queryCancelled)
        /// The statement is not valid SQL (SQLSTATE 42601).
        public static let syntaxError = Code(.syntaxError)
        /// A table, column, function or other object does not exist (SQLSTATE 42P01, 42703, 42883, 42704).
        public static let undefinedObject = Code(.undefinedObject)
        /// No connection of a pool became free within its acquire timeout.
        public static let timeout = Code(.timeout)
        /// The pool was closed.
        public static let poolClosed = Code(.poolClosed)
        /// A column could not be decoded into the requested Swift type (NULL, type mismatch, bad bytes).
        public static let decodingFailed = Code(.decodingFailed)
        /// A bound value could not be encoded.
        public static let encodingFailed = Code(.encodingFailed)
        /// A connection string could not be parsed.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A transaction was asked for on a connection already inside one; nested transactions are
        /// not supported.
        public static let nestedTransaction = Code(.nestedTransaction)
        /// `COMMIT` did not commit: the transaction had already failed, and the server rolled it
        /// back. Nothing of it was written.
        public static let notCommitted = Code(.notCommitted)
        /// Any other error reported by the server; see ``PostgresError/sqlState``.
        public static let server = Code(.server)

        /// The name of the code, such as `uniqueViolation`.
        public var description: String { base.rawValue }

        /// The code for a server error of the given SQLSTATE.
        static func forSQLState(_ sqlState: String) -> Code {
            switch sqlState {
            case "23505": .uniqueViolation
            case "40001", "40P01": .serializationFailure
            case "57014": .queryCancelled
            case "42601": .syntaxError
            case "42P01", "42703", "42883", "42704": .undefinedObject
            case "57P01", "57P02", "57P03": .connectionLost
            default: sqlState.hasPrefix("08") ? .connectionLost : .server
            }
        }
    }

    /// The kind of failure.
    public var code: Code
    /// The five-character SQLSTATE, when the server reported the error.
    public var sqlState: String?
    /// The name of the violated constraint, when the server reported one.
    public var constraint: String?
    /// The server's primary message. It may quote input values (for example a data exception
    /// quotes the text it could not parse), so treat it as sensitive; ``description`` shows it
    /// only for classes of errors whose messages do not quote input.
    public var serverMessage: String?
    /// A message from this client (never containing bound values).
    var clientMessage: String?

    init(
        code: Code,
        sqlState: String? = nil,
        constraint: String? = nil,
        serverMessage: String? = nil,
        clientMessage: String? = nil
    ) {
        self.code = code
        self.sqlState = sqlState
        self.constraint = constraint
        self.serverMessage = serverMessage
        self.clientMessage = clientMessage
    }

    /// SQLSTATE classes whose primary messages name objects and constraints but do not quote
    /// values: successful/warning (00, 01), connection (08), feature (0A), cardinality (21),
    /// integrity (23), transaction state (25, 2D, 40), authorization (28), syntax and access
    /// (42), resources (53, 54), operator intervention (57), system (58), object state (55),
    /// invalid catalog/schema (3D, 3F).
    private static let classesSafeToDescribe: Set<Substring> = [
        "00", "01", "08", "0A", "21", "23", "25", "28", "2D", "3D", "3F", "40", "42", "53", "54", "55", "57", "58",
    ]

    /// A one-line summary: the code, SQLSTATE, constraint and, where safe, the message.
    public var description: String {
        var parts = ["code: \(code)"]
        if let sqlState {
            parts.append("sqlState: \(sqlState)")
        }
        if let constraint {
            parts.append("constraint: \(constraint)")
        }
        if let serverMessage {
            if let sqlState, Self.classesSafeToDescribe.contains(sqlState.prefix(2)) {
                parts.append("message: \(serverMessage)")
            } else {
                parts.append("message: <withheld, may quote input>")
            }
        }
        if let clientMessage {
            parts.append("reason: \(clientMessage)")
        }
        return "PostgresError(\(parts.joined(separator: ", ")))"
    }
}
