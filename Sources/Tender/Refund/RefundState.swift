/// Where a refund stands. States only move forward: `requested → pending → succeeded | failed`
/// (the gateway may also settle a refund in its first answer).
public enum RefundState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Recorded; the gateway has not answered the refund call yet.
    case requested
    /// The gateway accepted the refund; it has not settled.
    case pending
    /// The money went back to the payer. Final.
    case succeeded
    /// The gateway or the bank refused it; the amount can be refunded again. Final.
    case failed

    /// Whether no answer can change the refund any more.
    public var isFinal: Bool { self == .succeeded || self == .failed }

    /// The order of states: a transition never lowers it.
    public var rank: Int {
        switch self {
        case .requested: 0
        case .pending: 1
        case .succeeded, .failed: 2
        }
    }
}
