import Tender
import TenderOpenAPI

extension Components.Schemas.Event {
    /// One outbox event as the order system reads it.
    init(_ event: OrderEvent) {
        self.init(
            sequence: event.sequence, eventType: .init(event.type), paymentId: event.paymentID.rawValue, attemptId: event.attemptID.description,
            state: .init(event.state), failure: event.failure?.description, asksForNewCode: event.asksForNewCode, occurredAt: event.occurredAt,
            refundId: event.refundID?.description, sessionId: event.sessionID, amount: event.amount?.minorUnits,
            currency: event.amount?.currency.code, late: event.late, duplicate: event.duplicate
        )
    }
}

extension Components.Schemas.EventType {
    /// An event's type as the API names it.
    init(_ type: OrderEventType) {
        switch type {
        case .awaitingConfirmation: self = .attempt_awaitingConfirmation
        case .completed: self = .attempt_completed
        case .completedLate: self = .attempt_completedLate
        case .failed: self = .attempt_failed
        case .expired: self = .attempt_expired
        case .canceled: self = .attempt_canceled
        case .duplicateCharge: self = .payment_duplicateCharge
        case .amountMismatch: self = .payment_amountMismatch
        case .refundSucceeded: self = .refund_succeeded
        case .refundFailed: self = .refund_failed
        }
    }
}
