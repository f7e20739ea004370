import LibPQ

extension PostgresPaymentStore {
    /// Plans the rest of the transaction with index scans only: for the statements that look for
    /// work in a queue (unnumbered events, due tasks), whose rows come and go all the time, so that
    /// their cost follows the work found, not what the table held since its last vacuum.
    ///
    /// - A row that leaves the queue (numbered, leased, done) leaves a dead entry in the partial
    ///   index that finds the queue's rows, until a vacuum. A plain index scan marks the dead
    ///   entries it meets, so that the next scan skips them; the bitmap scan the planner prefers for
    ///   a few rows reads every one again: in `tender bench transitions`, 8,189 entries and 364 heap
    ///   pages (2 ms) to find 5 unnumbered events, 12,645 entries to find no due task.
    /// - A statement without parameters is planned once per connection, from the statistics of the
    ///   moment: planned on a young table, the sequencer's numbering joined the whole outbox by a
    ///   sequential scan.
    static let indexScansOnly = PostgresStatement("SELECT \(indexScansOnlySettings)")

    /// The settings of ``indexScansOnly``, as a select list, for a statement that has more to do.
    static let indexScansOnlySettings = "set_config('enable_seqscan', 'off', true), set_config('enable_bitmapscan', 'off', true)"

    /// Runs `statement` planned with index scans only (``indexScansOnly``), in one round trip and
    /// one transaction.
    func queryByIndex(_ statement: PostgresStatement) async throws -> PostgresRows {
        try await pool.withConnection { try await $0.pipeline([Self.indexScansOnly, statement])[1] }
    }
}
