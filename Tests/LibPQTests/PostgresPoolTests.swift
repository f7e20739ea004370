import Testing

@testable import LibPQ

@Suite struct PostgresPoolTests {
    @Test func twoHundredConcurrentTasksOnEightConnectionsAllSucceed() async throws {
        let database = try await TestServer.database()
        let pool = PostgresPool(configuration: database, size: 8, acquireTimeout: .seconds(60), logger: TestServer.logger)
        try await pool.execute("CREATE TABLE work (n int8 PRIMARY KEY, doubled int8 NOT NULL)")
        let answers = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for n in 0..<200 {
                group.addTask {
                    let doubled = try await pool.withTransaction { connection in
                        let rows = try await connection.query("SELECT $1::int8 * 2 AS doubled, pg_backend_pid() AS pid", [n])
                        let doubled = try rows[0].decode(Int.self, column: "doubled")
                        try await connection.execute("INSERT INTO work VALUES ($1, $2)", [n, doubled])
                        return doubled
                    }
                    return (n, doubled)
                }
            }
            return try await group.reduce(into: [(Int, Int)]()) { $0.append($1) }
        }
        #expect(answers.count == 200)
        #expect(answers.allSatisfy { $0.1 == $0.0 * 2 })
        let rows = try await pool.query("SELECT count(*) AS n, sum(doubled)::int8 AS total FROM work")
        #expect(try rows[0].decode(Int.self, column: "n") == 200)
        #expect(try rows[0].decode(Int.self, column: "total") == (0..<200).reduce(0) { $0 + $1 * 2 })
        let backends = try await pool.query(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend'"
        )
        #expect(try backends[0].decode(Int.self, column: "n") <= 8)
        await pool.close()
    }

    @Test func killedBackendSurfacesAsConnectionLostAndThePoolRecovers() async throws {
        let database = try await TestServer.database()
        let pool = PostgresPool(configuration: database, size: 1, logger: TestServer.logger)
        let admin = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let pid = try await pool.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid")
        try await admin.query("SELECT pg_terminate_backend($1, 5000)", [pid])
        await #expect { try await pool.query("SELECT 1") } throws: { error in
            (error as? PostgresError)?.code == .connectionLost
        }
        let newPID = try await pool.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid")
        #expect(newPID != pid)
        await pool.close()
    }

    @Test func aLostConnectionTakesTheIdleOnesWithIt() async throws {
        let database = try await TestServer.database()
        let pool = PostgresPool(configuration: database, size: 3, logger: TestServer.logger)
        let admin = try await PostgresConnection.connect(database, logger: TestServer.logger)
        // Three connections open at once, then idle: as after a burst, before the server goes.
        let pids = try await pool.withConnection { first in
            try await pool.withConnection { second in
                try await pool.withConnection { third in
                    var pids: [Int32] = []
                    for connection in [first, second, third] {
                        pids.append(try await connection.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid"))
                    }
                    return pids
                }
            }
        }
        #expect(Set(pids).count == 3)
        for pid in pids {
            try await admin.query("SELECT pg_terminate_backend($1, 5000)", [pid])
        }
        await #expect { try await pool.query("SELECT 1") } throws: { error in
            (error as? PostgresError)?.code == .connectionLost
        }
        // The other two were closed with it, so the next caller gets a new connection.
        let newPID = try await pool.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid")
        #expect(!pids.contains(newPID))
        await admin.close()
        await pool.close()
    }

    @Test func idleConnectionIsHealthCheckedAndReplacedBeforeReuse() async throws {
        let database = try await TestServer.database()
        let pool = PostgresPool(configuration: database, size: 1, healthCheckAfterIdle: .zero, logger: TestServer.logger)
        let admin = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let pid = try await pool.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid")
        try await admin.query("SELECT pg_terminate_backend($1, 5000)", [pid])
        let newPID = try await pool.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid")
        #expect(newPID != pid)
        await pool.close()
    }

    @Test func acquireTimesOutWhenEveryConnectionIsBusy() async throws {
        let database = try await TestServer.database()
        let pool = PostgresPool(configuration: database, size: 1, acquireTimeout: .milliseconds(200), logger: TestServer.logger)
        try await Self.whileTheOnlyConnectionIsHeld(in: pool) {
            await #expect { try await pool.query("SELECT 1") } throws: { ($0 as? PostgresError)?.code == .timeout }
        }
        #expect(try await pool.query("SELECT 1 AS one")[0].decode(Int.self, column: "one") == 1)
        await pool.close()
    }

    /// One task times the waiters out: it must fail each at its own deadline, the later ones too,
    /// and start again for a waiter who comes after it ended.
    @Test func waitersOneAfterAnotherEachTimeOut() async throws {
        let database = try await TestServer.database()
        let pool = PostgresPool(configuration: database, size: 1, acquireTimeout: .milliseconds(300), logger: TestServer.logger)
        try await Self.whileTheOnlyConnectionIsHeld(in: pool) { () async throws in
            let first = Task { try await pool.query("SELECT 1") }
            #expect(try await Self.waitUntilQueued(1, in: pool), "waiting for the first caller to queue")
            let second = Task { try await pool.query("SELECT 2") }
            for waiter in [first, second] {
                await #expect { try await waiter.value } throws: { ($0 as? PostgresError)?.code == .timeout }
            }
            await #expect { try await pool.query("SELECT 3") } throws: { ($0 as? PostgresError)?.code == .timeout }
        }
        #expect(try await pool.query("SELECT 1 AS one")[0].decode(Int.self, column: "one") == 1)
        await pool.close()
    }

    @Test func closingThePoolFailsWaitersAndLaterCalls() async throws {
        let database = try await TestServer.database()
        let pool = PostgresPool(configuration: database, size: 1, acquireTimeout: .seconds(60), logger: TestServer.logger)
        // The only connection is held until the pool has closed, with a second caller waiting for it.
        let (held, heldContinuation) = AsyncStream.makeStream(of: Void.self)
        let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await pool.withConnection { connection in
                heldContinuation.yield()
                for await _ in release { break }
                try await connection.query("SELECT 1")
            }
        }
        for await _ in held { break }
        let waiter = Task { try await pool.query("SELECT 1") }
        #expect(try await Self.waitUntilQueued(1, in: pool), "waiting for the second caller to queue")
        await pool.close()
        let waited = await waiter.result
        #expect(throws: PostgresError.self) { try waited.get() }
        releaseContinuation.yield()
        _ = await holder.result
        await #expect { try await pool.query("SELECT 1") } throws: { error in
            (error as? PostgresError)?.code == .poolClosed
        }
    }

    @Test func transactionBodyErrorRollsBackAndConnectionIsReused() async throws {
        let database = try await TestServer.database()
        let pool = PostgresPool(configuration: database, size: 1, logger: TestServer.logger)
        try await pool.execute("CREATE TABLE ledger (amount int NOT NULL)")
        let pid = try await pool.query("SELECT pg_backend_pid() AS pid")[0].decode(Int32.self, column: "pid")
        await #expect(throws: PostgresError.self) {
            try await pool.withTransaction { connection in
                try await connection.execute("INSERT INTO ledger VALUES (1)")
                try await connection.execute("INSERT INTO ledger VALUES (NULL)")
            }
        }
        let rows = try await pool.query("SELECT count(*) AS n, pg_backend_pid() AS pid FROM ledger")
        #expect(try rows[0].decode(Int.self, column: "n") == 0)
        #expect(try rows[0].decode(Int32.self, column: "pid") == pid)
        await pool.close()
    }

    /// Waits until `count` callers wait for a connection of `pool`; false after two minutes, a
    /// ceiling that only catches a hang.
    private static func waitUntilQueued(_ count: Int, in pool: PostgresPool) async throws -> Bool {
        for _ in 0..<12_000 {
            if await pool.waitingCount == count { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Runs `body` while another task holds `pool`'s only connection, then lets it go, also when
    /// `body` throws.
    private static func whileTheOnlyConnectionIsHeld(in pool: PostgresPool, _ body: () async throws -> Void) async throws {
        let (release, releaseContinuation) = AsyncStream.makeStream(of: Void.self)
        let (held, heldContinuation) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await pool.withConnection { _ in
                heldContinuation.yield()
                for await _ in release { break }
            }
        }
        for await _ in held { break }
        defer { releaseContinuation.yield() }
        try await body()
        releaseContinuation.yield()
        try await holder.value
    }
}
