import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore {
    public func payments(matching query: PaymentQuery) async throws -> PaymentPage {
        let limit = max(1, query.limit)
        var bindings: [any PostgresEncodable] = [
            query.createdAfter ?? Date.distantPast, query.createdBefore ?? Date.distantFuture, query.state?.rawValue, limit + 1,
        ]
        if let cursor = query.cursor {
            bindings += [cursor.createdAtMicroseconds, cursor.paymentID.rawValue]
        }
        let rows = try await pool.query(Self.paymentListSQL(afterCursor: query.cursor != nil), bindings)
        let payments = try rows.map { row in
            let id = PaymentID(rawValue: try row.decode(String.self, column: "id"))
            return PaymentSummary(
                id: id,
                amount: try Money(
                    minorUnits: row.decode(Int64.self, column: "amount"), currency: Currency(code: row.decode(String.self, column: "currency"))),
                state: try row.decode(AttemptState.self, column: "state", table: "attempts"),
                completedAttemptID: try row.decode(UUID?.self, column: "completed_attempt_id").map(AttemptID.init),
                createdAt: try row.decode(Date.self, column: "created_at"),
                cursor: PaymentCursor(createdAtMicroseconds: try row.decode(Int64.self, column: "created_us"), paymentID: id)
            )
        }
        let page = Array(payments.prefix(limit))
        return PaymentPage(payments: page, next: payments.count > limit ? page.last?.cursor : nil)
    }

    /// The listing, newest first: a backward scan of `payments_created` from the cursor, with each
    /// payment's state taken from its completed attempt, else its latest one. Parameters: created
    /// after `$1`, before `$2`, state `$3` (or null), limit `$4`; after a cursor, its microseconds
    /// `$5` and id `$6`.
    static func paymentListSQL(afterCursor: Bool) -> String {
        let state = "CASE WHEN p.completed_attempt_id IS NOT NULL THEN 'completed' ELSE coalesce(latest.state, 'submitted') END"
        return """
            SELECT p.id, p.amount, p.currency, p.completed_attempt_id, p.created_at,
                (extract(epoch FROM p.created_at) * 1000000)::int8 AS created_us, \(state) AS state
            FROM payments p
            LEFT JOIN LATERAL (
                SELECT a.state FROM attempts a WHERE a.payment_id = p.id ORDER BY a.submitted_at DESC, a.id DESC LIMIT 1
            ) latest ON true
            WHERE p.created_at > $1 AND p.created_at < $2 AND ($3::text IS NULL OR \(state) = $3)
            \(afterCursor ? "AND (p.created_at, p.id) < (to_timestamp(0) + $5::int8 * interval '1 microsecond', $6)" : "")
            ORDER BY p.created_at DESC, p.id DESC
            LIMIT $4
            """
    }
}
