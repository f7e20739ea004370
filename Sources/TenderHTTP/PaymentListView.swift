import Foundation
import Tender

/// The body of `GET /v1/payments`: a page of payments, newest first, and the cursor of the next.
struct PaymentListView: Encodable, Sendable {
    /// One payment of the list.
    struct Item: Encodable, Sendable {
        var payment: PaymentSummary

        enum CodingKeys: String, CodingKey {
            case paymentID = "payment_id"
            case state, amount, currency
            case completedAttemptID = "completed_attempt_id"
            case createdAt = "created_at"
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(payment.id, forKey: .paymentID)
            try container.encode(payment.state, forKey: .state)
            try container.encode(payment.amount.minorUnits, forKey: .amount)
            try container.encode(payment.amount.currency.code, forKey: .currency)
            try container.encode(payment.completedAttemptID?.description, forKey: .completedAttemptID)
            try container.encode(payment.createdAt, forKey: .createdAt)
        }
    }

    var payments: [Item]
    var nextCursor: String?

    init(_ page: PaymentPage) {
        payments = page.payments.map(Item.init)
        nextCursor = page.next?.token
    }

    enum CodingKeys: String, CodingKey {
        case payments
        case nextCursor = "next_cursor"
    }

    /// Writes `null` for the last page's cursor, so that the key is always present.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(payments, forKey: .payments)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}
