/// An error of the sandbox's own API (scripted mode and start-up), never of the gateway it
/// simulates.
public struct SandboxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What went wrong.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: Sendable, Hashable {
            case unknownSession
            case sessionNotOpen
            case notRunning
        }

        private let base: Base

        /// No session has this id.
        public static let unknownSession = Code(base: .unknownSession)
        /// The session is already completed or expired.
        public static let sessionNotOpen = Code(base: .sessionNotOpen)
        /// The sandbox stopped, or failed to start listening.
        public static let notRunning = Code(base: .notRunning)

        /// A short name of the code.
        public var description: String {
            switch self.base {
            case .unknownSession: "unknown session"
            case .sessionNotOpen: "session not open"
            case .notRunning: "sandbox not running"
            }
        }
    }

    /// What went wrong.
    public var code: Code
    /// The session concerned, if any.
    public var sessionID: String?

    /// Creates an error.
    public init(code: Code, sessionID: String? = nil) {
        self.code = code
        self.sessionID = sessionID
    }

    /// A description without secrets.
    public var description: String {
        if let sessionID { return "SandboxError(\(self.code), session: \(sessionID))" }
        return "SandboxError(\(self.code))"
    }
}
