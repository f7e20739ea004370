/// What a durable task does: a gateway call, a read of the session, the attempt's deadline, or
/// the work of its refunds.
/// The store keeps it as the task's ``kind`` and ``reason``.
public enum TaskPurpose: Sendable, Hashable {
    /// Make a gateway call.
    case call(GatewayCall)
    /// Read the session, for a reason.
    case fetch(FetchReason)
    /// Fire the attempt's deadline.
    case deadline
    /// Call the gateway for, or read back, the attempt's unfinished refunds.
    case refund(RefundStep)

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
        case .refund:
            guard let step = RefundStep(rawValue: reason) else { return nil }
            self = .refund(step)
        }
    }

    /// The task's kind; an attempt has at most one pending task of each.
    public var kind: TaskKind {
        switch self {
        case .call: .call
        case .fetch: .fetch
        case .deadline: .deadline
        case .refund: .refund
        }
    }

    /// The reason as stored: the call's, the fetch reason's or the refund step's raw value, or
    /// `deadline`.
    public var reason: String {
        switch self {
        case .call(let call): call.rawValue
        case .fetch(let reason): reason.rawValue
        case .deadline: Self.deadlineReason
        case .refund(let step): step.rawValue
        }
    }

    /// Whether the task is a poll, run only as the engine's poll budget allows
    /// (``FetchReason/isBudgeted``, ``RefundStep/isBudgeted``).
    public var isBudgeted: Bool {
        switch self {
        case .fetch(let reason): reason.isBudgeted
        case .refund(let step): step.isBudgeted
        case .call, .deadline: false
        }
    }

    /// The one reason a deadline has.
    private static let deadlineReason = "deadline"
}
