import LibPQ

/// The first column of the first row of `sql`, as an integer.
func count(_ sql: String, on pool: PostgresPool) async throws -> Int {
    let rows = try await pool.query(sql)
    return Int(try rows[0].decode(Int64.self, at: 0))
}
