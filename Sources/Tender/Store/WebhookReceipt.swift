/// What happened to a stored webhook.
public enum WebhookReceipt: Sendable, Hashable {
    /// Stored and applied as a hint to the attempt holding the session.
    case applied(AttemptID)
    /// Stored; no attempt holds the session yet, so it waits for one.
    case parked
    /// Already stored; nothing changed.
    case duplicate
}

extension WebhookReceipt {
    /// The receipt as metrics and spans name it: `applied`, `parked` or `duplicate`.
    public var result: String {
        switch self {
        case .applied: "applied"
        case .parked: "parked"
        case .duplicate: "duplicate"
        }
    }
}
