/// What a durable task does: a gateway call, a read of the session, or the attempt's deadline.
/// The store keeps it as the task's ``kind`` and ``reason``.
public enum TaskPurpose: Sendable, Hashable {
    /// Make a gateway call.
    case call(GatewayCall)
    /// Read the session, for a reason.
    case fetch(FetchReason)
    /// Fire the attempt's deadline.
    case deadline

    /// Reads a stored task back; nil when the reason is none of the kind's.
    public init?(kind: TaskKind, reason: String) {
        switch kind {
        case .call:
            guard let call = GatewayCall(rawValue: reason) else { return nil }
            self = .call(call)
        case .fetch:
            guard let fetchReason = FetchReason(rawValue: reason) else { return nil }
            self = .fetch(fetchReason)
        case .deadline:
            guard reason == Self.deadlineReason else { return nil }
            self = .deadline
        }
    }

    /// The task's kind; an attempt has at most one pending task of each.
    public var kind: TaskKind {
        switch self {
        case .call: .call
        case .fetch: .fetch
        case .deadline: .deadline
        }
    }

    /// The reason as stored: the call's or the fetch reason's raw value, or `deadline`.
    public var reason: String {
        switch self {
        case .call(let call): call.rawValue
        case .fetch(let reason): reason.rawValue
        case .deadline: Self.deadlineReason
        }
    }

    /// Whether the task is a poll, run only as the engine's poll budget allows
    /// (``FetchReason/isBudgeted``).
    public var isBudgeted: Bool {
        if case .fetch(let reason) = self { reason.isBudgeted } else { false }
    }

    /// The one reason a deadline has.
    private static let deadlineReason = "deadline"
}
