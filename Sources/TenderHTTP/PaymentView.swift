import Foundation
import Tender

/// The body of `GET /v1/payments/{payment_id}`: the payment, its attempts and their history, its
/// refunds and how much of it was refunded.
struct PaymentView: Encodable, Sendable {
    /// One attempt.
    struct AttemptView: Encodable, Sendable {
        var attemptID: AttemptID
        var state: AttemptState
        var late: Bool
        var duplicate: Bool
        var failure: FailureReason?
        var gatewaySessionID: String?
        var submittedAt: Date
        var deadline: Date
        var resolvedAt: Date?
        var outcomeSource: InputSource?

        enum CodingKeys: String, CodingKey {
            case attemptID = "attempt_id"
            case state, late, duplicate, failure
            case gatewaySessionID = "gateway_session_id"
            case submittedAt = "submitted_at"
            case deadline
            case resolvedAt = "resolved_at"
            case outcomeSource = "outcome_source"
        }

        init(_ attempt: Attempt) {
            attemptID = attempt.id
            state = attempt.state
            late = attempt.late
            duplicate = attempt.duplicate
            failure = attempt.failure
            gatewaySessionID = attempt.sessionID
            submittedAt = attempt.submittedAt
            deadline = attempt.deadline
            resolvedAt = attempt.resolvedAt
            outcomeSource = attempt.outcomeSource
        }

        /// Writes `null` for absent values, so that every key is always present.
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(attemptID.description, forKey: .attemptID)
            try container.encode(state, forKey: .state)
            try container.encode(late, forKey: .late)
            try container.encode(duplicate, forKey: .duplicate)
            try container.encode(failure, forKey: .failure)
            try container.encode(gatewaySessionID, forKey: .gatewaySessionID)
            try container.encode(submittedAt, forKey: .submittedAt)
            try container.encode(deadline, forKey: .deadline)
            try container.encode(resolvedAt, forKey: .resolvedAt)
            try container.encode(outcomeSource, forKey: .outcomeSource)
        }
    }

    /// One applied input.
    struct HistoryView: Encodable, Sendable {
        var attemptID: AttemptID
        var version: Int64
        var fromState: AttemptState?
        var toState: AttemptState
        var input: String
        var source: InputSource
        var note: String
        var at: Date

        enum CodingKeys: String, CodingKey {
            case attemptID = "attempt_id"
            case version
            case fromState = "from_state"
            case toState = "to_state"
            case input, source, note, at
        }

        init(_ entry: HistoryEntry) {
            attemptID = entry.attemptID
            version = entry.version
            fromState = entry.fromState
            toState = entry.toState
            input = entry.input
            source = entry.source
            note = entry.note
            at = entry.at
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(attemptID.description, forKey: .attemptID)
            try container.encode(version, forKey: .version)
            try container.encode(fromState, forKey: .fromState)
            try container.encode(toState, forKey: .toState)
            try container.encode(input, forKey: .input)
            try container.encode(source, forKey: .source)
            try container.encode(note, forKey: .note)
            try container.encode(at, forKey: .at)
        }
    }

    var paymentID: PaymentID
    var state: AttemptState
    var amount: Int64
    var currency: String
    var completedAttemptID: AttemptID?
    var createdAt: Date
    var attempts: [AttemptView]
    var history: [HistoryView]
    var refunds: [RefundView]
    var amountRefunded: Int64

    enum CodingKeys: String, CodingKey {
        case paymentID = "payment_id"
        case state, amount, currency
        case completedAttemptID = "completed_attempt_id"
        case createdAt = "created_at"
        case attempts, history, refunds
        case amountRefunded = "amount_refunded"
    }

    init(_ record: PaymentRecord) {
        paymentID = record.id
        state = record.state
        amount = record.amount.minorUnits
        currency = record.amount.currency.code
        completedAttemptID = record.completedAttemptID
        createdAt = record.createdAt
        attempts = record.attempts.map(AttemptView.init)
        history = record.history.map(HistoryView.init)
        refunds = record.refunds.map(RefundView.init)
        amountRefunded = record.refundedAmount
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(paymentID, forKey: .paymentID)
        try container.encode(state, forKey: .state)
        try container.encode(amount, forKey: .amount)
        try container.encode(currency, forKey: .currency)
        try container.encode(completedAttemptID?.description, forKey: .completedAttemptID)
        try container.encode(createdAt, forKey: .createdAt)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(history, forKey: .history)
        try container.encode(refunds, forKey: .refunds)
        try container.encode(amountRefunded, forKey: .amountRefunded)
    }
}

/// The body answering `POST /v1/payments` and `POST /v1/payments/{payment_id}/cancel`: the attempt.
struct SubmittedPaymentView: Encodable, Sendable {
    var paymentID: PaymentID
    /// The attempt's id in lower case.
    var attemptID: String
    var state: AttemptState
    var deadline: Date

    enum CodingKeys: String, CodingKey {
        case paymentID = "payment_id"
        case attemptID = "attempt_id"
        case state, deadline
    }
}
