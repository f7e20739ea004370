import LibPQ
import Testing

/// The I/O thread reads every connection's answers: what happens while it waits for them.
@Suite struct IOThreadTests {
    @Test("a connection dropped while the I/O thread waits for its answer fails that statement, and the pool replaces it")
    func connectionDroppedWhileWaiting() async throws {
        let database = try await TestServer.database()
        let pool = PostgresPool(configuration: database, size: 1, acquireTimeout: .seconds(60), logger: TestServer.logger)
        let admin = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let first = try await pool.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid")
        let sleeper = Task { try await pool.query("SELECT pg_sleep(60)") }
        try await TestServer.waitUntilActive("pg_sleep", pid: first)
        try await admin.query("SELECT pg_terminate_backend($1, 5000)", [first])
        let result = await sleeper.result
        #expect(throws: PostgresError.self) { try result.get() }
        if case .failure(let error as PostgresError) = result {
            #expect(error.code == .connectionLost)
        }
        let second = try await pool.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid")
        #expect(second != first)
        await pool.close()
        await admin.close()
    }

    @Test("cancelling the task during a pipeline cancels the running statement, skips the rest, and the connection goes on")
    func cancelDuringPipeline() async throws {
        let database = try await TestServer.database()
        let connection = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let admin = try await PostgresConnection.connect(database, logger: TestServer.logger)
        try await connection.execute("CREATE TABLE steps (step int NOT NULL)")
        let pid = try #require(await connection.backendPID)
        let pipeline = Task {
            try await connection.pipeline([
                PostgresStatement("INSERT INTO steps VALUES (1)"),
                PostgresStatement("SELECT pg_sleep(60)"),
                PostgresStatement("INSERT INTO steps VALUES (3)"),
            ])
        }
        try await TestServer.waitUntilActive("pg_sleep", pid: pid)
        pipeline.cancel()
        let result = await pipeline.result
        #expect(throws: PostgresError.self) { try result.get() }
        if case .failure(let error as PostgresError) = result {
            #expect(error.code == .queryCancelled)
        }
        #expect(await connection.isHealthy)
        let rows = try await connection.query("SELECT count(*) AS n FROM steps")
        #expect(try rows[0].decode(Int.self, column: "n") == 0)  // the pipeline's implicit transaction rolled back
        await connection.close()
        await admin.close()
    }

    @Test("a thousand concurrent statements over four connections each get their own answer")
    func thousandStatementsOverFourConnections() async throws {
        let pool = PostgresPool(configuration: try await TestServer.database(), size: 4, acquireTimeout: .seconds(300), logger: TestServer.logger)
        let answers = try await withThrowingTaskGroup(of: (Int, Int, Int32).self) { group in
            for n in 0..<1_000 {
                group.addTask {
                    let row = try await pool.query("SELECT $1::int8 * 3 AS tripled, pg_backend_pid() AS pid", [n])[0]
                    return (n, try row.decode(Int.self, column: "tripled"), try row.decode(Int32.self, column: "pid"))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 1_000)
        #expect(Set(answers.map(\.0)) == Set(0..<1_000))
        #expect(answers.allSatisfy { $0.1 == $0.0 * 3 })
        #expect(Set(answers.map(\.2)).count <= 4)
        await pool.close()
    }

    @Test("tasks sharing one connection take turns: each statement and pipeline gets its own answers")
    func tasksSharingAConnectionTakeTurns() async throws {
        let connection = try await TestServer.connection()
        let answers = try await withThrowingTaskGroup(of: (Int, [Int]).self) { group in
            for n in 0..<100 {
                group.addTask {
                    if n.isMultiple(of: 2) {
                        let row = try await connection.query("SELECT $1::int8 AS n", [n])[0]
                        return (n, [try row.decode(Int.self, column: "n")])
                    }
                    let results = try await connection.pipeline([
                        PostgresStatement("SELECT $1::int8 AS n", [n]), PostgresStatement("SELECT $1::int8 + 1 AS n", [n]),
                    ])
                    return (n, try results.map { try $0[0].decode(Int.self, column: "n") })
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 100)
        #expect(answers.allSatisfy { n, values in values == (n.isMultiple(of: 2) ? [n] : [n, n + 1]) })
        #expect(await connection.isHealthy)
        await connection.close()
    }
}
