import LibPQ
import Testing

@Suite struct PreparedStatementTests {
    /// How many statements of exactly `sql` the connection's session has prepared.
    private func preparedCount(of sql: String, on connection: PostgresConnection) async throws -> Int {
        let rows = try await connection.query("SELECT count(*) AS n FROM pg_prepared_statements WHERE statement = $1", [sql])
        return try rows[0].decode(Int.self, column: "n")
    }

    @Test func statementRunManyTimesIsPreparedOnceAndAnswersEachBinding() async throws {
        let connection = try await TestServer.connection()
        let sql = "SELECT $1::int8 * 3 AS tripled"
        for n in 0..<300 {
            let rows = try await connection.query(sql, [n])
            #expect(try rows[0].decode(Int.self, column: "tripled") == n * 3)
        }
        #expect(try await preparedCount(of: sql, on: connection) == 1)
    }

    @Test func statementThatFailsToPrepareThrowsSyntaxErrorAndTheConnectionStaysUsable() async throws {
        let connection = try await TestServer.connection()
        for _ in 0..<2 {
            await #expect { try await connection.query("SELEC $1::int8 AS n", [1]) } throws: { error in
                (error as? PostgresError)?.code == .syntaxError
            }
            #expect(await connection.isHealthy)
        }
        let rows = try await connection.query("SELECT $1::int8 AS n", [1])
        #expect(try rows[0].decode(Int.self, column: "n") == 1)
        #expect(try await preparedCount(of: "SELEC $1::int8 AS n", on: connection) == 0)
    }

    /// The cache hashes a text's length and its ends only: texts alike there are still two statements.
    @Test func textsThatDifferOnlyInTheMiddleAreStatementsOfTheirOwn() async throws {
        let connection = try await TestServer.connection()
        let end = String(repeating: " ", count: 40)
        let doubled = "SELECT\(end)$1::int8 * 2 AS n\(end)"
        let tripled = "SELECT\(end)$1::int8 * 3 AS n\(end)"
        for n in 1...3 {
            #expect(try await connection.query(doubled, [n])[0].decode(Int.self, column: "n") == n * 2)
            #expect(try await connection.query(tripled, [n])[0].decode(Int.self, column: "n") == n * 3)
        }
        #expect(try await preparedCount(of: doubled, on: connection) == 1)
        #expect(try await preparedCount(of: tripled, on: connection) == 1)
    }

    @Test func sameSQLBindsNullAndValuesOfOtherTypes() async throws {
        let connection = try await TestServer.connection()
        let sql = "SELECT $1::text IS NULL AS missing, $1::text AS value"
        for value in ["a", nil, "żółw", nil] as [String?] {
            let rows = try await connection.query(sql, [value])
            #expect(try rows[0].decode(Bool.self, column: "missing") == (value == nil))
            #expect(try rows[0].decode(String?.self, column: "value") == value)
        }
        let widened = "SELECT $1 + 1 AS next"
        let fromInt4 = try await connection.query(widened, [Int32(41)])
        let fromInt8 = try await connection.query(widened, [Int64(1) << 40])
        #expect(try fromInt4[0].decode(Int.self, column: "next") == 42)
        #expect(try fromInt8[0].decode(Int.self, column: "next") == (1 << 40) + 1)
        // One statement per parameter type: int4 and int8 plan differently.
        #expect(try await preparedCount(of: widened, on: connection) == 2)
    }

    @Test func preparedStatementsSurviveARolledBackTransaction() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE ledger (amount int8 NOT NULL)")
        let insert = "INSERT INTO ledger VALUES ($1)"
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await connection.withTransaction { connection in
                try await connection.execute(insert, [1])
                throw Abort()
            }
        }
        try await connection.execute("BEGIN")
        try await connection.execute(insert, [2])
        await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1 / $1::int8", [0]) }
        try await connection.execute("ROLLBACK")
        #expect(try await preparedCount(of: insert, on: connection) == 1)
        try await connection.execute(insert, [3])
        let rows = try await connection.query("SELECT array_agg(amount)::text AS amounts FROM ledger")
        #expect(try rows[0].decode(String.self, column: "amounts") == "{3}")
    }

    @Test func pipelineFailingAtItsSecondStatementPreparesNothingAfterItAndRunsAgainLater() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE events (id int8 PRIMARY KEY)")
        try await connection.execute("INSERT INTO events VALUES (1)")
        let count = "SELECT count(*) AS n FROM events WHERE id >= $1"
        let maximum = "SELECT max(id) AS top FROM events WHERE id <= $1"
        await #expect {
            try await connection.pipeline([
                PostgresStatement("INSERT INTO events VALUES ($1)", [2]),
                PostgresStatement("INSERT INTO events VALUES ($1)", [1]),
                PostgresStatement(count, [0]),
                PostgresStatement(maximum, [100]),
            ])
        } throws: { error in
            (error as? PostgresError)?.code == .uniqueViolation
        }
        #expect(try await preparedCount(of: count, on: connection) == 0)
        #expect(try await preparedCount(of: maximum, on: connection) == 0)
        let results = try await connection.pipeline([
            PostgresStatement("INSERT INTO events VALUES ($1)", [3]),
            PostgresStatement(count, [0]),
            PostgresStatement(maximum, [100]),
        ])
        #expect(try results[1][0].decode(Int.self, column: "n") == 2)
        #expect(try results[2][0].decode(Int.self, column: "top") == 3)
        #expect(try await preparedCount(of: count, on: connection) == 1)
        #expect(try await preparedCount(of: maximum, on: connection) == 1)
    }

    @Test func repeatedStatementInOnePipelineIsPreparedOnce() async throws {
        let connection = try await TestServer.connection()
        let sql = "SELECT $1::int8 + 1 AS next"
        let results = try await connection.pipeline((0..<50).map { PostgresStatement(sql, [$0]) })
        #expect(try results.map { try $0[0].decode(Int.self, column: "next") } == Array(1...50))
        #expect(try await preparedCount(of: sql, on: connection) == 1)
    }

    @Test func cacheStaysBoundedAndStatementsBeyondItStillRun() async throws {
        let connection = try await TestServer.connection()
        for n in 0..<300 {
            let rows = try await connection.query("SELECT \(n)::int8 AS n")
            #expect(try rows[0].decode(Int.self, column: "n") == n)
        }
        try await connection.execute("CREATE TABLE not_prepared (id int8)")
        let rows = try await connection.query("SELECT count(*) AS n FROM pg_prepared_statements")
        #expect(try rows[0].decode(Int.self, column: "n") == 256)
        #expect(try await preparedCount(of: "CREATE TABLE not_prepared (id int8)", on: connection) == 0)
    }

    @Test func statementWhoseResultTypeChangedIsPreparedAgain() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE items (id int8)")
        try await connection.execute("INSERT INTO items VALUES (7)")
        let sql = "SELECT * FROM items"
        #expect(try await connection.query(sql).columnNames == ["id"])
        try await connection.execute("ALTER TABLE items ADD COLUMN label text DEFAULT 'x'")
        await #expect { try await connection.query(sql) } throws: { error in
            (error as? PostgresError)?.sqlState == "0A000"
        }
        let rows = try await connection.query(sql)
        #expect(rows.columnNames == ["id", "label"])
        #expect(try rows[0].decode(String.self, column: "label") == "x")
    }

    @Test func statementsThatMustRunOutsideATransactionBlockStillRun() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE swept (id int8)")
        try await connection.execute("VACUUM swept")
        try await connection.execute("CREATE INDEX CONCURRENTLY swept_id ON swept (id)")
        let rows = try await connection.query("SELECT count(*) AS n FROM pg_indexes WHERE indexname = 'swept_id'")
        #expect(try rows[0].decode(Int.self, column: "n") == 1)
    }
}
