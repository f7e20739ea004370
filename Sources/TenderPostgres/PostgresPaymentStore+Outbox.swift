import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore {
    /// The advisory lock key that serialises sequencers.
    private static let sequencerLock: Int64 = 0x7465_6E64_6572_0001

    public func events(after sequence: Int64, limit: Int) async throws -> [OrderEvent] {
        // One round trip: wait for the sequencer lock (and plan by index), number what committed,
        // read. The pipeline is one implicit transaction, so the lock is held until the read is
        // done, and each statement takes its snapshot after the one before it: the numbering sees
        // every number an earlier sequencer gave, and the read sees the numbers just given.
        let rows = try await pool.withConnection { connection in
            try await connection.pipeline([
                PostgresStatement("SELECT pg_advisory_xact_lock($1), \(Self.indexScansOnlySettings)", [Self.sequencerLock]),
                Self.sequencing,
                PostgresStatement(Self.eventsSQL, [sequence, limit]),
            ])[2]
        }
        return try rows.map { row in
            OrderEvent(
                sequence: try row.decode(Int64.self, column: "seq"),
                type: try row.decode(OrderEventType.self, column: "type", table: "outbox"),
                paymentID: PaymentID(rawValue: try row.decode(String.self, column: "payment_id")),
                attemptID: AttemptID(rawValue: try row.decode(UUID.self, column: "attempt_id")),
                state: try RowDecodingError.parse(
                    try row.decode(String.self, column: "state"), AttemptState.init(rawValue:), table: "outbox", column: "payload->>'state'"),
                version: try row.decode(Int64.self, column: "version"),
                failure: try row.decode(String?.self, column: "failure").map {
                    try RowDecodingError.parse($0, FailureReason.init, table: "outbox", column: "payload->>'failure'")
                },
                asksForNewCode: try row.decode(Bool.self, column: "asks_for_new_code"),
                occurredAt: try row.decode(Date.self, column: "created_at"),
                refundID: try row.decode(String?.self, column: "refund_id").map {
                    RefundID(rawValue: try RowDecodingError.parse($0, UUID.init(uuidString:), table: "outbox", column: "payload->>'refund_id'"))
                },
                sessionID: try row.decode(String?.self, column: "session_id"),
                amount: try row.decode(Int64?.self, column: "amount").flatMap { minorUnits in
                    try row.decode(String?.self, column: "currency").map { try Money(minorUnits: minorUnits, currency: Currency(code: $0)) }
                },
                late: try row.decode(Bool.self, column: "late"),
                duplicate: try row.decode(Bool.self, column: "duplicate")
            )
        }
    }

    /// Reads the events numbered after `$1`, at most `$2`, with their payloads' members as columns
    /// of their own: the server takes them out of `jsonb` faster than a JSON decoder here.
    private static let eventsSQL: String = {
        func text(_ key: EventPayload.Key) -> String { "payload->>'\(key.rawValue)' AS \(key.rawValue)" }
        func typed(_ key: EventPayload.Key, _ type: String) -> String { "(payload->>'\(key.rawValue)')::\(type) AS \(key.rawValue)" }
        let members = [
            text(.state), text(.failure), typed(.asksForNewCode, "bool"), typed(.late, "bool"), typed(.duplicate, "bool"),
            text(.sessionID), typed(.amount, "int8"), text(.currency), text(.refundID),
        ]
        return "SELECT seq, type, payment_id, attempt_id, version, created_at, \(members.joined(separator: ", ")) FROM outbox "
            + "WHERE seq > $1 ORDER BY seq LIMIT $2"
    }()

    /// Numbers committed, unnumbered events in commit order; run under the sequencer lock. Rows
    /// still being written are invisible here and get a higher number later, so a reader that
    /// moved past a number never misses a row. The lock makes this the only writer of unnumbered
    /// rows (retention deletes numbered ones alone), so they are not locked before the update.
    static let sequencing = PostgresStatement(
        """
        WITH pending AS (
            SELECT id FROM outbox WHERE seq IS NULL ORDER BY id LIMIT 10000
        ), top AS (
            SELECT coalesce(max(seq), 0) AS seq FROM outbox
        ), numbered AS (
            SELECT pending.id, top.seq + row_number() OVER (ORDER BY pending.id) AS seq FROM pending, top
        )
        UPDATE outbox SET seq = numbered.seq FROM numbered WHERE outbox.id = numbered.id
        """
    )

    public func acknowledge(consumer: String, upTo sequence: Int64, now: Date) async throws {
        try await pool.execute(
            """
            INSERT INTO outbox_cursors (consumer, acknowledged, updated_at) VALUES ($1, $2, $3)
            ON CONFLICT (consumer) DO UPDATE SET
                acknowledged = GREATEST(outbox_cursors.acknowledged, EXCLUDED.acknowledged), updated_at = EXCLUDED.updated_at
            """,
            [consumer, sequence, now]
        )
    }

    public func acknowledged(consumer: String) async throws -> Int64 {
        let rows = try await pool.query("SELECT acknowledged FROM outbox_cursors WHERE consumer = $1", [consumer])
        return try rows.first?.decode(Int64.self, column: "acknowledged") ?? 0
    }
}
