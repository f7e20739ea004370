import TenderOpenAPI

extension TenderClient {
    /// A payment to submit: id, amount, currency, the payer's BLIK code and customer.
    public typealias PaymentRequest = Components.Schemas.SubmitPayment
    /// The payer, as a submission names them.
    public typealias Customer = Components.Schemas.SubmitPayment.CustomerPayload
    /// The attempt a submission stored or a cancel ended.
    public typealias AttemptAnswer = Components.Schemas.AttemptAnswer
    /// A payment with its attempts, history and refunds.
    public typealias Payment = Components.Schemas.Payment
    /// One page of payments.
    public typealias PaymentList = Components.Schemas.PaymentList
    /// An attempt's state.
    public typealias State = Components.Schemas.State
    /// A refund of a payment.
    public typealias Refund = Components.Schemas.Refund
    /// Why a refund is made.
    public typealias RefundReason = Components.Schemas.RefundReason
    /// A refund's state.
    public typealias RefundState = Components.Schemas.RefundState
    /// A page of events.
    public typealias EventPage = Components.Schemas.EventPage
    /// One event for the order system.
    public typealias Event = Components.Schemas.Event
    /// An event's type.
    public typealias EventType = Components.Schemas.EventType

    /// What a request with an idempotency key stored, and whether it was stored before.
    public struct Recorded<Value: Sendable & Hashable>: Sendable, Hashable {
        /// The attempt or refund.
        public var value: Value
        /// Whether an earlier request with the same key and request stored it (answered 200,
        /// not 201).
        public var replayed: Bool

        /// Creates a record.
        public init(_ value: Value, replayed: Bool) {
            self.value = value
            self.replayed = replayed
        }
    }
}
