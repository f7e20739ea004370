/// A store operation that was refused or could not be done.
public struct StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The kind of refusal.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable, Hashable {
            case idempotencyConflict, attemptInFlight, paymentCompleted, paymentMismatch, notFound, fencedOut, workerIDInUse
            case paymentNotCompleted, amountExceedsRefundable, attemptFinished
        }
        private let base: Base
        private init(_ base: Base) { self.base = base }

        /// The idempotency key was used before with a different request.
        public static let idempotencyConflict = Code(.idempotencyConflict)
        /// Another attempt of the payment is still waiting for its outcome.
        public static let attemptInFlight = Code(.attemptInFlight)
        /// The payment is already paid; it takes no new attempt.
        public static let paymentCompleted = Code(.paymentCompleted)
        /// The payment exists with another amount or currency.
        public static let paymentMismatch = Code(.paymentMismatch)
        /// No such attempt or payment.
        public static let notFound = Code(.notFound)
        /// The task's lease was lost to another worker; the transition was not applied.
        public static let fencedOut = Code(.fencedOut)
        /// Another live worker runs under the same worker id.
        public static let workerIDInUse = Code(.workerIDInUse)
        /// The payment is not paid, so there is nothing to refund.
        public static let paymentNotCompleted = Code(.paymentNotCompleted)
        /// The refund asks for more than is left to refund.
        public static let amountExceedsRefundable = Code(.amountExceedsRefundable)
        /// The payment's attempt already has an outcome (expired or failed); there is nothing to cancel.
        public static let attemptFinished = Code(.attemptFinished)

        /// The code's snake_case name.
        public var description: String {
            switch base {
            case .idempotencyConflict: "idempotency_conflict"
            case .attemptInFlight: "attempt_in_flight"
            case .paymentCompleted: "payment_completed"
            case .paymentMismatch: "payment_mismatch"
            case .notFound: "not_found"
            case .fencedOut: "fenced_out"
            case .workerIDInUse: "worker_id_in_use"
            case .paymentNotCompleted: "payment_not_completed"
            case .amountExceedsRefundable: "amount_exceeds_refundable"
            case .attemptFinished: "attempt_finished"
            }
        }
    }

    /// The kind of refusal.
    public var code: Code
    /// What was refused, with ids but never secrets.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The code and message.
    public var description: String { "\(code): \(message)" }
}
