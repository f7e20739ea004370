import LibPQ
import Testing

@Suite struct TransactionTests {
    private struct Abort: Error {}

    private func count(_ table: String, on connection: PostgresConnection) async throws -> Int {
        try await connection.query("SELECT count(*) AS n FROM \(table)")[0].decode(Int.self, column: "n")
    }

    @Test func transactionStartedByAPipelineCommitsItsWrites() async throws {
        let database = try await TestServer.database()
        let connection = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let observer = try await PostgresConnection.connect(database, logger: TestServer.logger)
        try await connection.execute("CREATE TABLE ledger (amount int8 NOT NULL)")
        try await connection.withTransaction { connection in
            _ = try await connection.pipeline([
                PostgresStatement("INSERT INTO ledger VALUES ($1)", [1]),
                PostgresStatement("INSERT INTO ledger VALUES ($1)", [2]),
            ])
            #expect(try await count("ledger", on: observer) == 0)  // not committed yet
            try await connection.execute("INSERT INTO ledger VALUES ($1)", [3])
        }
        #expect(try await count("ledger", on: observer) == 3)
    }

    @Test func bodyThrowingAfterItsFirstStatementRollsBack() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE ledger (amount int8 NOT NULL)")
        await #expect(throws: Abort.self) {
            try await connection.withTransaction { connection in
                _ = try await connection.pipeline([PostgresStatement("INSERT INTO ledger VALUES ($1)", [1])])
                throw Abort()
            }
        }
        #expect(try await count("ledger", on: connection) == 0)
        #expect(await connection.isHealthy)
    }

    @Test func bodyCommittingWithItsLastPipelineEndsTheTransaction() async throws {
        let database = try await TestServer.database()
        let connection = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let observer = try await PostgresConnection.connect(database, logger: TestServer.logger)
        try await connection.execute("CREATE TABLE ledger (amount int8 NOT NULL)")
        try await connection.withTransaction { connection in
            try await connection.execute("INSERT INTO ledger VALUES ($1)", [1])
            _ = try await connection.pipeline([PostgresStatement("INSERT INTO ledger VALUES ($1)", [2]), PostgresStatement("COMMIT")])
        }
        #expect(try await count("ledger", on: observer) == 2)

        await #expect(throws: PostgresError.self) {
            try await connection.withTransaction { connection in
                try await connection.execute("INSERT INTO ledger VALUES ($1)", [3])
                _ = try await connection.pipeline([
                    PostgresStatement("INSERT INTO ledger VALUES (1 / ($1 - 4))", [4]), PostgresStatement("COMMIT"),
                ])
            }
        }
        #expect(try await count("ledger", on: observer) == 2, "a failure before the COMMIT rolls everything back")
        try await connection.execute("INSERT INTO ledger VALUES ($1)", [5])
        #expect(try await count("ledger", on: observer) == 3, "autocommitted: no transaction was left open")
    }

    @Test func failingFirstStatementLeavesNoTransactionOpen() async throws {
        let database = try await TestServer.database()
        let pool = PostgresPool(configuration: database, size: 1, logger: TestServer.logger)
        try await pool.execute("CREATE TABLE ledger (amount int8 NOT NULL)")
        let pid = try await pool.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid")
        for failing in ["INSERT INTO missing VALUES ($1)", "INSERT INTO ledger VALUES ($1 +)", "INSERT INTO ledger VALUES (1 / ($1 - 1))"] {
            await #expect(throws: PostgresError.self) {
                try await pool.withTransaction { connection in
                    try await connection.execute(failing, [1])
                }
            }
        }
        // The pool lends a connection again only when it is outside any transaction.
        let samePID = try await pool.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid")
        #expect(samePID == pid)
        try await pool.execute("INSERT INTO ledger VALUES ($1)", [5])
        let observer = try await PostgresConnection.connect(database, logger: TestServer.logger)
        #expect(try await count("ledger", on: observer) == 1)  // autocommitted: no transaction was left open
        await pool.close()
    }

    @Test func isolationLevelIsHonoured() async throws {
        let connection = try await TestServer.connection()
        let levels: [(PostgresIsolationLevel, String)] = [
            (.serializable, "serializable"), (.repeatableRead, "repeatable read"), (.readCommitted, "read committed"),
        ]
        for (level, name) in levels {
            let shown = try await connection.withTransaction(isolation: level) { connection in
                try await connection.query("SHOW transaction_isolation")[0].decode(String.self, at: 0)
            }
            #expect(shown == name)
        }
    }

    @Test func bodyWithoutStatementsReturnsItsValueAndLeavesTheConnectionReady() async throws {
        let connection = try await TestServer.connection()
        let value = try await connection.withTransaction(isolation: .serializable) { _ in 42 }
        #expect(value == 42)
        await #expect(throws: Abort.self) {
            try await connection.withTransaction { _ in throw Abort() }
        }
        #expect(await connection.isHealthy)
        // Outside a transaction, each statement has its own transaction id.
        let first = try await connection.query("SELECT pg_current_xact_id()::text AS id")[0].decode(String.self, column: "id")
        let second = try await connection.query("SELECT pg_current_xact_id()::text AS id")[0].decode(String.self, column: "id")
        #expect(first != second)
    }

    @Test func scriptInsideATransactionRunsAfterItsBeginAndRollsBackWithIt() async throws {
        let connection = try await TestServer.connection()
        await #expect(throws: Abort.self) {
            try await connection.withTransaction { connection in
                try await connection.executeScript("CREATE TABLE made (id int8); INSERT INTO made VALUES (1);")
                throw Abort()
            }
        }
        let rows = try await connection.query("SELECT to_regclass('made') IS NULL AS gone")
        #expect(try rows[0].decode(Bool.self, column: "gone"))
    }
}
