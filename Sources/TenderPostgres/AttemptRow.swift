import Foundation
import LibPQ
import Tender

/// How an ``Attempt`` maps to a row of `attempts`.
enum AttemptRow {
    /// The columns every attempt query selects, in this order. The customer's fields are read as
    /// text: they were checked when stored, and decoding JSON on every read of an attempt cost
    /// more than the rest of the row.
    static let columns = """
        a.id, a.payment_id, a.state, a.stage, a.version, a.amount, a.currency, a.customer ->> 'email' AS customer_email,
        a.customer ->> 'first_name' AS customer_first_name, a.customer ->> 'last_name' AS customer_last_name, a.blik_code,
        a.session_id, a.submitted_at, a.deadline, a.grace_until, a.resolved_at, a.outcome_source,
        a.failure, a.late, a.duplicate, a.retries, a.quiet_polls, a.last_quiet_poll_at
        """

    /// Reads the attempt `$1`.
    static let byIDSQL = "SELECT \(columns) FROM attempts a WHERE a.id = $1"

    /// Reads an attempt from a row that has ``columns``.
    static func decode(_ row: PostgresRow) throws -> Attempt {
        let currency = try Currency(code: row.decode(String.self, column: "currency"))
        let code = try row.decode(String?.self, column: "blik_code").map { try BLIKCode($0) }
        return Attempt(
            id: AttemptID(rawValue: try row.decode(UUID.self, column: "id")),
            paymentID: PaymentID(rawValue: try row.decode(String.self, column: "payment_id")),
            state: try row.decode(AttemptState.self, column: "state", table: "attempts"),
            stage: try row.decode(Attempt.Stage.self, column: "stage", table: "attempts"),
            version: try row.decode(Int64.self, column: "version"),
            amount: try Money(minorUnits: row.decode(Int64.self, column: "amount"), currency: currency),
            customer: Customer(
                stored: try row.decode(String.self, column: "customer_email"),
                firstName: try row.decode(String.self, column: "customer_first_name"),
                lastName: try row.decode(String.self, column: "customer_last_name")
            ),
            code: code,
            sessionID: try row.decode(String?.self, column: "session_id"),
            submittedAt: try row.decode(Date.self, column: "submitted_at"),
            deadline: try row.decode(Date.self, column: "deadline"),
            graceUntil: try row.decode(Date.self, column: "grace_until"),
            resolvedAt: try row.decode(Date?.self, column: "resolved_at"),
            outcomeSource: try row.decode(InputSource?.self, column: "outcome_source", table: "attempts"),
            failure: try row.decode(String?.self, column: "failure").map {
                try RowDecodingError.parse($0, FailureReason.init, table: "attempts", column: "failure")
            },
            late: try row.decode(Bool.self, column: "late"),
            duplicate: try row.decode(Bool.self, column: "duplicate"),
            retries: try row.decode(Int.self, column: "retries"),
            quietPolls: try row.decode(Int.self, column: "quiet_polls"),
            lastQuietPollAt: try row.decode(Date?.self, column: "last_quiet_poll_at")
        )
    }

    /// The bindings of an `UPDATE attempts` that writes every mutable column the machine changes,
    /// in the order of ``updateSQL``; the quiet-poll count is written only by ``QuietPollWrites``.
    static let updateSQL = """
        UPDATE attempts SET state = $3, stage = $4, version = $5, blik_code = $6, session_id = $7,
            resolved_at = $8, outcome_source = $9, failure = $10, late = $11, duplicate = $12,
            retries = $13
        WHERE id = $1 AND version = $2
        """

    /// One versioned update of every attempt `transitions` move, over bound arrays: each row
    /// written as ``updateSQL`` writes one, and only if its version is still the previous one.
    static func updateEvery(_ transitions: [Transition]) -> PostgresStatement {
        let attempts = transitions.map(\.attempt)
        return PostgresStatement(
            """
            UPDATE attempts a SET state = u.state, stage = u.stage, version = u.version, blik_code = u.blik_code,
                session_id = u.session_id, resolved_at = u.resolved_at, outcome_source = u.outcome_source, failure = u.failure,
                late = u.late, duplicate = u.duplicate, retries = u.retries
            FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::text[], $5::int8[], $6::text[], $7::text[], $8::timestamptz[],
                    $9::text[], $10::text[], $11::bool[], $12::bool[], $13::int8[])
                AS u (id, previous_version, state, stage, version, blik_code, session_id, resolved_at, outcome_source, failure,
                    late, duplicate, retries)
            WHERE a.id = u.id AND a.version = u.previous_version
            """,
            [
                attempts.map(\.id.rawValue), transitions.map { ($0.previous ?? $0.attempt).version }, attempts.map(\.state.rawValue),
                attempts.map(\.stage.rawValue), attempts.map(\.version), attempts.map { $0.code?.revealed }, attempts.map(\.sessionID),
                attempts.map(\.resolvedAt), attempts.map { $0.outcomeSource?.rawValue }, attempts.map { $0.failure?.description },
                attempts.map(\.late), attempts.map(\.duplicate), attempts.map(\.retries),
            ]
        )
    }

    /// The bindings for ``updateSQL``, moving `previous` to `attempt`.
    static func updateBindings(from previous: Attempt, to attempt: Attempt) -> [any PostgresEncodable] {
        [
            attempt.id.rawValue, previous.version, attempt.state.rawValue, attempt.stage.rawValue, attempt.version,
            attempt.code?.revealed, attempt.sessionID, attempt.resolvedAt, attempt.outcomeSource?.rawValue,
            attempt.failure?.description, attempt.late, attempt.duplicate, attempt.retries,
        ]
    }
}

/// A customer as stored in `attempts.customer`: a `jsonb` object with the members that
/// ``AttemptRow/columns`` reads.
struct StoredCustomer: JSONObjectEncodable {
    let customer: Customer

    init(_ customer: Customer) {
        self.customer = customer
    }

    func write(to object: inout JSONObjectWriter) {
        object.add("email", customer.email)
        object.add("first_name", customer.firstName)
        object.add("last_name", customer.lastName)
    }
}
