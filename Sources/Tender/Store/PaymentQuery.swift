import Foundation

/// Which payments to list, newest first, and from where.
public struct PaymentQuery: Sendable, Hashable {
    /// Only payments in this state (a payment's state is its completed attempt's, else its latest
    /// attempt's); all when `nil`.
    public var state: AttemptState?
    /// Only payments created after this time.
    public var createdAfter: Date?
    /// Only payments created before this time.
    public var createdBefore: Date?
    /// The most payments in one page.
    public var limit: Int
    /// Where the previous page ended; the first page when `nil`.
    public var cursor: PaymentCursor?

    /// Creates a query.
    public init(state: AttemptState? = nil, createdAfter: Date? = nil, createdBefore: Date? = nil, limit: Int = 50, cursor: PaymentCursor? = nil) {
        self.state = state
        self.createdAfter = createdAfter
        self.createdBefore = createdBefore
        self.limit = limit
        self.cursor = cursor
    }
}
