import Foundation

/// One attempt to collect a payment: one checkout session at the gateway for one BLIK code.
///
/// An attempt is a plain value. ``AttemptMachine`` computes its next value from an input; a
/// ``PaymentStore`` persists it, one transition per transaction.
public struct Attempt: Sendable, Hashable {
    /// Tender's id of the attempt.
    public var id: AttemptID
    /// The payment the attempt belongs to.
    public var paymentID: PaymentID
    /// The attempt's state.
    public var state: AttemptState
    /// Where a ``AttemptState/submitted`` attempt is in its call sequence.
    public var stage: Stage
    /// Incremented by every applied input but a ``QuietPoll``; the history has one row per version.
    public var version: Int64
    /// The amount to collect.
    public var amount: Money
    /// The payer.
    public var customer: Customer
    /// The payer's code, kept only until the gateway has taken it.
    public var code: BLIKCode?
    /// The gateway's session id, once the session exists.
    public var sessionID: String?
    /// When the attempt was submitted.
    public var submittedAt: Date
    /// When the attempt expires unless the payer has confirmed.
    public var deadline: Date
    /// Until when an expired attempt's session is still polled for a late completion.
    public var graceUntil: Date
    /// When the outcome (completed, expired or failed) was reached.
    public var resolvedAt: Date?
    /// How the outcome was learned.
    public var outcomeSource: InputSource?
    /// Why the attempt failed, when it did.
    public var failure: FailureReason?
    /// Whether the attempt completed after it had expired.
    public var late: Bool
    /// Whether the attempt completed although another attempt of its payment had completed first.
    public var duplicate: Bool
    /// Consecutive retryable failures of the current gateway call, for backoff.
    public var retries: Int
    /// How many polls learned nothing (``QuietPoll``): counted here instead of in the history.
    public var quietPolls: Int
    /// When the last of the ``quietPolls`` was made.
    public var lastQuietPollAt: Date?

    /// The progress of a submitted attempt through the gateway's call sequence.
    public enum Stage: String, Sendable, Hashable, Codable {
        /// The session is being created.
        case creatingSession = "creating_session"
        /// The code is being handed to the gateway.
        case paying
        /// A pay call's outcome is unknown (it timed out after being sent): the session is fetched
        /// before anything is retried.
        case verifyingUnknownPay = "verifying_unknown_pay"
        /// The gateway refused a pay call as invalid: the session is fetched to decide.
        case verifyingRejectedPay = "verifying_rejected_pay"
        /// A pay call is sent again with the same idempotency key after its first outcome was unknown.
        case repaying
        /// The gateway has answered the pay call; the stage no longer matters.
        case paid
    }

    /// Creates an attempt value; new attempts come from ``AttemptMachine/submit(_:now:)``.
    public init(
        id: AttemptID, paymentID: PaymentID, state: AttemptState, stage: Stage, version: Int64,
        amount: Money, customer: Customer, code: BLIKCode?, sessionID: String?,
        submittedAt: Date, deadline: Date, graceUntil: Date, resolvedAt: Date?,
        outcomeSource: InputSource?, failure: FailureReason?, late: Bool, duplicate: Bool,
        retries: Int, quietPolls: Int = 0, lastQuietPollAt: Date? = nil
    ) {
        self.id = id
        self.paymentID = paymentID
        self.state = state
        self.stage = stage
        self.version = version
        self.amount = amount
        self.customer = customer
        self.code = code
        self.sessionID = sessionID
        self.submittedAt = submittedAt
        self.deadline = deadline
        self.graceUntil = graceUntil
        self.resolvedAt = resolvedAt
        self.outcomeSource = outcomeSource
        self.failure = failure
        self.late = late
        self.duplicate = duplicate
        self.retries = retries
        self.quietPolls = quietPolls
        self.lastQuietPollAt = lastQuietPollAt
    }
}
