/// An error starting, using or stopping a throwaway PostgreSQL server.
///
/// The ``code`` says what went wrong; ``message`` names the file, binary or setting involved, and
/// ``output`` carries the tail of the failing command's output or of the server log. None of them
/// carries a password: the servers run with `trust` authentication and have none.
public struct EphemeralPostgresError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What kind of failure happened. New codes may be added without breaking callers.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: Hashable, Sendable {
            case binariesNotFound
            case invalidConfiguration
            case fileSystem
            case commandFailed
            case startFailed
        }

        private let base: Base

        private init(_ base: Base) {
            self.base = base
        }

        /// The PostgreSQL binaries (or a helper such as `runuser`) could not be found.
        public static let binariesNotFound = Code(.binariesNotFound)
        /// A setting name or value in the configuration cannot be used.
        public static let invalidConfiguration = Code(.invalidConfiguration)
        /// A directory or file of the cluster could not be created or prepared.
        public static let fileSystem = Code(.fileSystem)
        /// A PostgreSQL tool (`initdb`, `createdb`, …) failed.
        public static let commandFailed = Code(.commandFailed)
        /// The server did not start.
        public static let startFailed = Code(.startFailed)

        /// A short name of the code.
        public var description: String {
            switch self.base {
            case .binariesNotFound: "binaries not found"
            case .invalidConfiguration: "invalid configuration"
            case .fileSystem: "file system"
            case .commandFailed: "command failed"
            case .startFailed: "start failed"
            }
        }
    }

    /// What kind of failure happened.
    public let code: Code
    /// A sentence describing the failure.
    public let message: String
    /// The last lines of the failing command's output or of the server log, if any.
    public let output: String?

    /// Creates an error.
    public init(code: Code, message: String, output: String? = nil) {
        self.code = code
        self.message = message
        self.output = output
    }

    /// The code, the message and, if present, the output tail.
    public var description: String {
        var text = "EphemeralPostgresError(\(self.code)): \(self.message)"
        if let output = self.output, !output.isEmpty {
            text += "\n--- output ---\n\(output)"
        }
        return text
    }
}
