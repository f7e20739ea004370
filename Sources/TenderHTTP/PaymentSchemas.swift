import Tender
import TenderOpenAPI

// Payments, attempts, their history and refunds as the API answers them. Absent values stay
// absent: the generated types leave out a field whose value is `nil`.

extension Components.Schemas.Payment {
    /// A payment with its attempts, their history, its refunds and how much was refunded.
    init(_ record: PaymentRecord) {
        self.init(
            paymentId: record.id.rawValue, state: .init(record.state), amount: record.amount.minorUnits,
            currency: record.amount.currency.code, completedAttemptId: record.completedAttemptID?.description,
            createdAt: record.createdAt, attempts: record.attempts.map(Components.Schemas.Attempt.init),
            history: record.history.map(Components.Schemas.HistoryEntry.init), refunds: record.refunds.map(Components.Schemas.Refund.init),
            amountRefunded: record.refundedAmount
        )
    }
}

extension Components.Schemas.PaymentSummary {
    /// One payment of a list.
    init(_ payment: PaymentSummary) {
        self.init(
            paymentId: payment.id.rawValue, state: .init(payment.state), amount: payment.amount.minorUnits,
            currency: payment.amount.currency.code, completedAttemptId: payment.completedAttemptID?.description, createdAt: payment.createdAt
        )
    }
}

extension Components.Schemas.PaymentList {
    /// A page of payments and the cursor of the next.
    init(_ page: PaymentPage) {
        self.init(payments: page.payments.map(Components.Schemas.PaymentSummary.init), nextCursor: page.next?.token)
    }
}

extension Components.Schemas.Attempt {
    /// One attempt of a payment.
    init(_ attempt: Tender.Attempt) {
        self.init(
            attemptId: attempt.id.description, state: .init(attempt.state), late: attempt.late, duplicate: attempt.duplicate,
            failure: attempt.failure?.description, gatewaySessionId: attempt.sessionID, submittedAt: attempt.submittedAt,
            deadline: attempt.deadline, resolvedAt: attempt.resolvedAt, outcomeSource: attempt.outcomeSource.map(Components.Schemas.Source.init),
            quietPolls: Int32(clamping: attempt.quietPolls), lastQuietPollAt: attempt.lastQuietPollAt
        )
    }
}

extension Components.Schemas.AttemptAnswer {
    /// The attempt a submission stored or a cancel ended.
    init(_ attempt: Tender.Attempt) {
        self.init(paymentId: attempt.paymentID.rawValue, attemptId: attempt.id.description, state: .init(attempt.state), deadline: attempt.deadline)
    }
}

extension Components.Schemas.HistoryEntry {
    /// One applied input.
    init(_ entry: Tender.HistoryEntry) {
        self.init(
            attemptId: entry.attemptID.description, version: entry.version, fromState: entry.fromState.map(Components.Schemas.State.init),
            toState: .init(entry.toState), input: entry.input, source: .init(entry.source), note: entry.note, at: entry.at
        )
    }
}

extension Components.Schemas.Refund {
    /// One refund of a payment.
    init(_ refund: Tender.Refund) {
        self.init(
            refundId: refund.id.description, paymentId: refund.paymentID.rawValue, attemptId: refund.attemptID.description,
            amount: refund.amount.minorUnits, currency: refund.amount.currency.code, reason: .init(refund.reason),
            state: .init(refund.state), failure: refund.failure, requestedAt: refund.requestedAt, resolvedAt: refund.resolvedAt
        )
    }
}

extension Components.Schemas.State {
    /// An attempt's state as the API names it.
    init(_ state: AttemptState) {
        switch state {
        case .submitted: self = .submitted
        case .awaitingConfirmation: self = .awaitingConfirmation
        case .completed: self = .completed
        case .expired: self = .expired
        case .canceled: self = .canceled
        case .failed: self = .failed
        }
    }
}

extension AttemptState {
    /// The state the API names.
    init(_ state: Components.Schemas.State) {
        switch state {
        case .submitted: self = .submitted
        case .awaitingConfirmation: self = .awaitingConfirmation
        case .completed: self = .completed
        case .expired: self = .expired
        case .canceled: self = .canceled
        case .failed: self = .failed
        }
    }
}

extension Components.Schemas.Source {
    /// What an input came from, as the API names it.
    init(_ source: InputSource) {
        switch source {
        case .submit: self = .submit
        case .gatewayResponse: self = .gatewayResponse
        case .webhook: self = .webhook
        case .poll: self = .poll
        case .fetch: self = .fetch
        case .deadline: self = .deadline
        case .orderSystem: self = .orderSystem
        case .operator: self = ._operator
        }
    }
}

extension Components.Schemas.RefundReason {
    /// Why a refund was made, as the API names it.
    init(_ reason: RefundReason) {
        switch reason {
        case .requestedByCustomer: self = .requestedByCustomer
        case .duplicated: self = .duplicated
        case .fraudulent: self = .fraudulent
        }
    }
}

extension RefundReason {
    /// The reason the API names.
    init(_ reason: Components.Schemas.RefundReason) {
        switch reason {
        case .requestedByCustomer: self = .requestedByCustomer
        case .duplicated: self = .duplicated
        case .fraudulent: self = .fraudulent
        }
    }
}

extension Components.Schemas.RefundState {
    /// A refund's state as the API names it.
    init(_ state: RefundState) {
        switch state {
        case .requested: self = .requested
        case .pending: self = .pending
        case .succeeded: self = .succeeded
        case .failed: self = .failed
        }
    }
}
