import Foundation

/// What a transition asks the world to do. Plain data: the store turns effects into task rows and
/// outbox events in the same transaction as the new state; the engine executes the tasks.
public enum Effect: Sendable, Hashable {
    /// Make a gateway call at the given time (replacing any other pending call of the attempt).
    case call(GatewayCall, at: Date)
    /// Read the session at the given time. Fetches coalesce into the earliest due time, and a poll
    /// takes the reason of any other fetch asked for meanwhile, so it no longer waits for the
    /// poll budget.
    case fetch(FetchReason, at: Date)
    /// Fire the deadline at the given time.
    case scheduleDeadline(at: Date)
    /// Drop every pending task of a kind.
    case cancel(TaskKind)
    /// Tell the order system.
    case emit(OrderEventType)
    /// Forget the BLIK code: the gateway has it, or it can no longer be used.
    case eraseCode
    /// Refund the attempt's whole charge, as a ``Refund`` of its own followed to the end like one
    /// the order system asked for; its gateway call is due at the given time.
    case refundCharge(RefundReason, at: Date)
}

/// A gateway call the engine makes for an attempt.
public enum GatewayCall: String, Sendable, Hashable, Codable, CaseIterable {
    /// Open the checkout session.
    case createSession = "create_session"
    /// Hand the code to the session.
    case pay
}

/// Why a session is read.
public enum FetchReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// A webhook named the session.
    case webhook
    /// A scheduled poll while the payer confirms.
    case poll
    /// The last poll, at the deadline.
    case finalPoll = "final_poll"
    /// A sparse poll of an expired session, for a late completion.
    case gracePoll = "grace_poll"
    /// A check after a call whose outcome is unknown or refused.
    case verifyCall = "verify_call"

    /// Whether fetches for this reason are polls, made only as the engine's poll budget allows.
    public var isBudgeted: Bool {
        self == .poll || self == .gracePoll
    }

    /// The source an input from this fetch carries.
    public var source: InputSource {
        switch self {
        case .webhook: .webhook
        case .poll, .gracePoll: .poll
        case .finalPoll: .deadline
        case .verifyCall: .fetch
        }
    }
}

/// The kinds of durable task; an attempt has at most one pending task of each kind.
public enum TaskKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// A gateway call (create, pay).
    case call
    /// A read of the session.
    case fetch
    /// The attempt's deadline.
    case deadline
    /// The gateway work of the attempt's unfinished refunds.
    case refund
}

/// What a refund task does next for the attempt's unfinished refunds.
public enum RefundStep: String, Sendable, Hashable, Codable, CaseIterable {
    /// At least one refund waits for its gateway call.
    case call
    /// Every unfinished refund waits to be read back; run as the poll budget allows, like the
    /// session polls whose reason it shares.
    case poll

    /// Whether the step is a poll, made only as the engine's poll budget allows.
    public var isBudgeted: Bool { self == .poll }
}

/// What the order system is told. Each event carries the payment and attempt ids and the state.
public enum OrderEventType: String, Sendable, Hashable, Codable, CaseIterable {
    /// The gateway took the code; the payer is confirming in the bank app.
    case awaitingConfirmation = "attempt.awaiting_confirmation"
    /// The payment is paid.
    case completed = "attempt.completed"
    /// The attempt failed; when the reason is a decline, ask the payer for a new code.
    case failed = "attempt.failed"
    /// No confirmation in time: ask the payer for a new code.
    case expired = "attempt.expired"
    /// An expired attempt completed after all: the payment is paid.
    case completedLate = "attempt.completed_late"
    /// The order system canceled the attempt.
    case canceled = "attempt.canceled"
    /// A second attempt of a paid payment completed: the payer was charged twice.
    case duplicateCharge = "payment.duplicate_charge"
    /// The gateway's session differs from the attempt in amount or currency: an operator must
    /// check it (with the session created, the attempt failed before the code was sent; with the
    /// session completed, the payer was charged what the gateway says).
    case amountMismatch = "payment.amount_mismatch"
    /// A refund settled: the money went back to the payer.
    case refundSucceeded = "refund.succeeded"
    /// A refund failed; its amount can be refunded again.
    case refundFailed = "refund.failed"
}

extension Effect {
    /// The task this effect schedules and its due time, if it schedules one.
    public var scheduledTask: (purpose: TaskPurpose, dueAt: Date)? {
        switch self {
        case .call(let call, let at): (.call(call), at)
        case .fetch(let reason, let at): (.fetch(reason), at)
        case .scheduleDeadline(let at): (.deadline, at)
        case .refundCharge(_, let at): (.refund(.call), at)
        case .cancel, .emit, .eraseCode: nil
        }
    }
}
