import Foundation

/// A payment with its attempts and their histories, as operators and the order system read it.
public struct PaymentRecord: Sendable, Hashable {
    /// The payment's id.
    public var id: PaymentID
    /// The amount.
    public var amount: Money
    /// The attempt that completed the payment, if any.
    public var completedAttemptID: AttemptID?
    /// When the first attempt was submitted.
    public var createdAt: Date
    /// The attempts, oldest first.
    public var attempts: [Attempt]
    /// Every applied input of every attempt, by attempt and version.
    public var history: [HistoryEntry]
    /// The refunds of the payment's attempts, oldest first (duplicate charges' among them).
    public var refunds: [Refund]

    /// Creates a record.
    public init(
        id: PaymentID, amount: Money, completedAttemptID: AttemptID?, createdAt: Date, attempts: [Attempt], history: [HistoryEntry],
        refunds: [Refund] = []
    ) {
        self.id = id
        self.amount = amount
        self.completedAttemptID = completedAttemptID
        self.createdAt = createdAt
        self.attempts = attempts
        self.history = history
        self.refunds = refunds
    }

    /// How much of the payment went back to the payer: its refunds that succeeded, duplicate
    /// charges' refunds excepted.
    public var refundedAmount: Int64 {
        refunds.filter { $0.state == .succeeded && $0.attemptID == completedAttemptID }.reduce(0) { $0 + $1.amount.minorUnits }
    }

    /// The payment's state: completed when an attempt completed it, else the latest attempt's state.
    public var state: AttemptState {
        completedAttemptID != nil ? .completed : attempts.last?.state ?? .submitted
    }
}

/// One applied input in an attempt's history.
public struct HistoryEntry: Sendable, Hashable, Codable {
    /// The attempt.
    public var attemptID: AttemptID
    /// The version the input produced.
    public var version: Int64
    /// The state before, `nil` for the submission.
    public var fromState: AttemptState?
    /// The state after.
    public var toState: AttemptState
    /// The input's name, e.g. `fetched`.
    public var input: String
    /// Where the input came from.
    public var source: InputSource
    /// What the transition did and why.
    public var note: String
    /// When it happened.
    public var at: Date

    /// Creates an entry.
    public init(
        attemptID: AttemptID, version: Int64, fromState: AttemptState?, toState: AttemptState, input: String, source: InputSource, note: String,
        at: Date
    ) {
        self.attemptID = attemptID
        self.version = version
        self.fromState = fromState
        self.toState = toState
        self.input = input
        self.source = source
        self.note = note
        self.at = at
    }
}
