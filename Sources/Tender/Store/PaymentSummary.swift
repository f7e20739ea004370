import Foundation

/// A payment as a list shows it.
public struct PaymentSummary: Sendable, Hashable {
    /// The payment's id.
    public var id: PaymentID
    /// The amount.
    public var amount: Money
    /// The completed attempt's state, else the latest attempt's.
    public var state: AttemptState
    /// The attempt that completed the payment, if any.
    public var completedAttemptID: AttemptID?
    /// When the first attempt was submitted.
    public var createdAt: Date
    /// Where this payment stands in the list, for the page after it.
    public var cursor: PaymentCursor

    /// Creates a summary.
    public init(id: PaymentID, amount: Money, state: AttemptState, completedAttemptID: AttemptID?, createdAt: Date, cursor: PaymentCursor) {
        self.id = id
        self.amount = amount
        self.state = state
        self.completedAttemptID = completedAttemptID
        self.createdAt = createdAt
        self.cursor = cursor
    }
}

/// One page of a payment list.
public struct PaymentPage: Sendable, Hashable {
    /// The payments, newest first.
    public var payments: [PaymentSummary]
    /// Where the next page starts; `nil` on the last page.
    public var next: PaymentCursor?

    /// Creates a page.
    public init(payments: [PaymentSummary], next: PaymentCursor?) {
        self.payments = payments
        self.next = next
    }
}
