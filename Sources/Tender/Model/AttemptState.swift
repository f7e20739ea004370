/// Where an attempt stands. States only move forward (see ``rank``).
public enum AttemptState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Stored; the session is being created and the code handed to the gateway.
    case submitted
    /// The gateway took the code; the payer must confirm in the bank app.
    case awaitingConfirmation = "awaiting_confirmation"
    /// Paid. Terminal.
    case completed
    /// No confirmation in time; the order system should ask for a new code. A late completion
    /// reported by the gateway's API still moves it to ``completed``.
    case expired
    /// The gateway or the bank refused it. Terminal.
    case failed
    /// The order system gave up on it; it makes no further gateway call. When the gateway had a
    /// session, the session is still watched until it expires: a confirmation that arrives anyway
    /// moves the attempt to ``completed`` (late), and the charge is refunded when the policy says so.
    case canceled

    /// The order of states: a transition never lowers it.
    public var rank: Int {
        switch self {
        case .submitted: 0
        case .awaitingConfirmation: 1
        case .expired, .canceled: 2
        case .completed, .failed: 3
        }
    }

    /// Whether no input can move the attempt any more.
    public var isTerminal: Bool { self == .completed || self == .failed }

    /// Whether the attempt has an outcome for the order system but its session is still watched
    /// for a completion that arrives anyway (``expired``, ``canceled``).
    public var isWatchedForLateCompletion: Bool { self == .expired || self == .canceled }

    /// Whether the attempt still waits for an outcome (blocks a new attempt of its payment).
    public var isInFlight: Bool { self == .submitted || self == .awaitingConfirmation }
}
