import Foundation
import Tender
import TenderPostgres

/// Finds a payment by its id, or by the id of one of its attempts.
enum PaymentsLookup {
    /// The payment with `id`, or the payment of the attempt with `id`, with the attempt meant
    /// (`nil` when a payment id was given).
    static func find(_ id: String, in store: any PaymentReads) async throws -> (record: PaymentRecord, attemptID: AttemptID?) {
        if let record = try await store.payment(PaymentID(rawValue: id)) {
            return (record, nil)
        }
        if let uuid = UUID(uuidString: id), let attempt = try await store.attempt(AttemptID(rawValue: uuid)),
            let record = try await store.payment(attempt.paymentID)
        {
            return (record, attempt.id)
        }
        throw PaymentsCommandError("no payment or attempt with id \(id)")
    }
}
