import LibPQ
import Testing

@Suite struct PostgresConnectionTests {
    @Test func rolledBackTransactionLeavesNothingBehind() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE ledger (amount int NOT NULL)")
        struct Abort: Error {}
        await #expect(throws: Abort.self) {
            try await connection.withTransaction { connection in
                try await connection.execute("INSERT INTO ledger VALUES ($1)", [Int32(100)])
                throw Abort()
            }
        }
        let count = try await connection.query("SELECT count(*) AS n FROM ledger")
        #expect(try count[0].decode(Int.self, column: "n") == 0)
        #expect(await connection.isHealthy)
    }

    @Test func committedTransactionKeepsItsWrites() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE ledger (amount int NOT NULL)")
        let sum = try await connection.withTransaction(isolation: .serializable) { connection in
            try await connection.execute("INSERT INTO ledger VALUES (1), (2)")
            return try await connection.query("SELECT sum(amount)::int8 AS s FROM ledger")[0].decode(Int.self, column: "s")
        }
        #expect(sum == 3)
        let rows = try await connection.query("SELECT count(*) AS n FROM ledger")
        #expect(try rows[0].decode(Int.self, column: "n") == 2)
    }

    @Test("a COMMIT the server answers with ROLLBACK is an error, and nothing of the transaction stays")
    func commitOfAFailedTransactionIsNotSuccess() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE ledger (amount int NOT NULL)")
        let error = await #expect(throws: PostgresError.self) {
            try await connection.withTransaction { connection in
                try await connection.execute("INSERT INTO ledger VALUES (1)")
                // The body swallows a failed statement and goes on, as careless code might.
                _ = try? await connection.execute("SELECT 1 / 0")
            }
        }
        #expect(error?.code == .notCommitted)
        let rows = try await connection.query("SELECT count(*) AS n FROM ledger")
        #expect(try rows[0].decode(Int.self, column: "n") == 0)
        #expect(await connection.isHealthy)
    }

    @Test("a transaction inside a transaction is refused and commits nothing of the outer one")
    func nestedTransactionIsRefused() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE ledger (amount int NOT NULL)")
        let nested: PostgresError? = try await connection.withTransaction { connection in
            try await connection.execute("INSERT INTO ledger VALUES (1)")
            do {
                try await connection.withTransaction { connection in
                    try await connection.execute("INSERT INTO ledger VALUES (2)")
                }
                return nil
            } catch let error as PostgresError {
                try await connection.execute("ROLLBACK")
                return error
            }
        }
        #expect(nested?.code == .nestedTransaction)
        let rows = try await connection.query("SELECT count(*) AS n FROM ledger")
        #expect(try rows[0].decode(Int.self, column: "n") == 0)
    }

    @Test func failedStatementLeavesTransactionUnhealthyUntilRollback() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("BEGIN")
        await #expect(throws: PostgresError.self) { try await connection.query("SELECT 1/0") }
        #expect(await !connection.isHealthy)
        try await connection.execute("ROLLBACK")
        #expect(await connection.isHealthy)
    }

    @Test func cancellingTheTaskCancelsARunningQuery() async throws {
        let connection = try await TestServer.connection()
        let pid = try #require(await connection.backendPID)
        let sleeper = Task { try await connection.query("SELECT pg_sleep(10)") }
        try await TestServer.waitUntilActive("pg_sleep", pid: pid)
        sleeper.cancel()
        let result = await sleeper.result
        #expect(throws: PostgresError.self) { try result.get() }
        if case .failure(let error as PostgresError) = result {
            #expect(error.code == .queryCancelled)
        }
        let after = try await connection.query("SELECT 42 AS answer")
        #expect(try after[0].decode(Int.self, column: "answer") == 42)
    }

    @Test func cancellationDuringTransactionRollsBack() async throws {
        let database = try await TestServer.database()
        let connection = try await PostgresConnection.connect(database, logger: TestServer.logger)
        try await connection.execute("CREATE TABLE ledger (amount int NOT NULL)")
        let pid = try #require(await connection.backendPID)
        let work = Task {
            try await connection.withTransaction { connection in
                try await connection.execute("INSERT INTO ledger VALUES (1)")
                try await connection.query("SELECT pg_sleep(10)")
            }
        }
        try await TestServer.waitUntilActive("pg_sleep", pid: pid)
        work.cancel()
        _ = await work.result
        #expect(await connection.isHealthy)
        let rows = try await connection.query("SELECT count(*) AS n FROM ledger")
        #expect(try rows[0].decode(Int.self, column: "n") == 0)
    }

    @Test func pipelineReturnsEveryResultInOrder() async throws {
        let connection = try await TestServer.connection()
        let statements = (0..<100).map { PostgresStatement("SELECT $1::int8 * 2 AS doubled", [$0]) }
        let results = try await connection.pipeline(statements)
        #expect(results.count == 100)
        #expect(try results.map { try $0[0].decode(Int.self, column: "doubled") } == (0..<100).map { $0 * 2 })
    }

    @Test func failingPipelineStatementSurfacesItsErrorAndConnectionStillWorks() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE events (id int PRIMARY KEY)")
        await #expect {
            try await connection.pipeline([
                PostgresStatement("INSERT INTO events VALUES ($1)", [Int32(1)]),
                PostgresStatement("INSERT INTO events VALUES ($1)", [Int32(1)]),
                PostgresStatement("INSERT INTO events VALUES ($1)", [Int32(2)]),
            ])
        } throws: { error in
            (error as? PostgresError)?.code == .uniqueViolation
        }
        #expect(await connection.isHealthy)
        let rows = try await connection.query("SELECT count(*) AS n FROM events")
        #expect(try rows[0].decode(Int.self, column: "n") == 0)  // one implicit transaction
        let next = try await connection.pipeline([PostgresStatement("SELECT 1 AS one")])
        #expect(try next[0][0].decode(Int.self, column: "one") == 1)
    }

    @Test func terminatedBackendSurfacesAsConnectionLost() async throws {
        let database = try await TestServer.database()
        let victim = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let admin = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let pid = try #require(await victim.backendPID)
        try await admin.query("SELECT pg_terminate_backend($1, 5000)", [pid])
        await #expect {
            try await victim.query("SELECT 1")
        } throws: { error in
            (error as? PostgresError)?.code == .connectionLost
        }
        #expect(await !victim.isHealthy)
    }

    @Test func closedConnectionRefusesQueries() async throws {
        let connection = try await TestServer.connection()
        await connection.close()
        await #expect { try await connection.query("SELECT 1") } throws: { error in
            (error as? PostgresError)?.code == .connectionLost
        }
    }

    @Test func unreachableServerFailsToConnect() async throws {
        let configuration = try PostgresConfiguration(connectionString: "host=127.0.0.1 port=1 connect_timeout=2")
        await #expect { try await PostgresConnection.connect(configuration, logger: TestServer.logger) } throws: { error in
            (error as? PostgresError)?.code == .connectionFailed
        }
    }
}
