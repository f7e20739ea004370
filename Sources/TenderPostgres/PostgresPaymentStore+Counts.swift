import Tender

extension PostgresPaymentStore {
    /// How many attempts are in each state (states without attempts are absent), for the
    /// `tender_attempts` gauge. Reads the `attempts_state_submitted` index.
    public func countAttemptsByState() async throws -> [AttemptState: Int] {
        let rows = try await pool.query("SELECT state, count(*) AS attempts FROM attempts GROUP BY state")
        var counts: [AttemptState: Int] = [:]
        for row in rows {
            let state = try row.decode(AttemptState.self, column: "state", table: "attempts")
            counts[state] = try row.decode(Int.self, column: "attempts")
        }
        return counts
    }
}
