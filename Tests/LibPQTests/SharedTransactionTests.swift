import Testing

@testable import LibPQ

/// Transactions sent together in one round trip: ``PostgresConnection/transactions(_:)`` and the
/// pool's shared round trips (``PostgresPool/transaction(_:)``).
@Suite struct SharedTransactionTests {
    private func amounts(on connection: PostgresConnection) async throws -> [Int] {
        try await connection.query("SELECT amount FROM ledger ORDER BY amount").map { try $0.decode(Int.self, column: "amount") }
    }

    @Test func eachListCommitsOrRollsBackOnItsOwn() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE ledger (amount int8 NOT NULL)")
        let results = try await connection.transactions([
            [PostgresStatement("INSERT INTO ledger VALUES ($1)", [1]), PostgresStatement("INSERT INTO ledger VALUES ($1) RETURNING amount", [2])],
            [PostgresStatement("INSERT INTO ledger VALUES ($1)", [3]), PostgresStatement("INSERT INTO ledger VALUES (1 / ($1 - 4))", [4])],
            [PostgresStatement("INSERT INTO ledger VALUES ($1)", [5])],
        ])
        #expect(results.count == 3)
        let first = try results[0].get()
        #expect(first.count == 2)
        #expect(try first[1][0].decode(Int.self, column: "amount") == 2)
        #expect(throws: PostgresError.self) { try results[1].get() }
        #expect((try? results[2].get()) != nil)
        #expect(try await amounts(on: connection) == [1, 2, 5], "the failed list's first insert was rolled back, the next list ran")
        #expect(await connection.isIdle)
    }

    @Test func aConnectionInATransactionRefusesThem() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE ledger (amount int8 NOT NULL)")
        await #expect { try await connection.withTransaction { try await $0.transactions([[PostgresStatement("SELECT 1")]]) } } throws: { error in
            (error as? PostgresError)?.code == .nestedTransaction
        }
        #expect(await connection.isIdle)
    }

    @Test func callersQueuedBehindARoundTripShareTheNextOne() async throws {
        let database = try await TestServer.database()
        let pool = PostgresPool(configuration: database, size: 2, sharedRoundTrips: 1, logger: TestServer.logger)
        let locker = try await PostgresConnection.connect(database, logger: TestServer.logger)
        try await pool.execute("CREATE TABLE ledger (amount int8 PRIMARY KEY, pid int4 NOT NULL)")
        try await locker.execute("SELECT pg_advisory_lock(1)")
        // The one shared round trip waits for the lock; everyone after it queues.
        let blocked = Task { try await pool.transaction([PostgresStatement("SELECT pg_advisory_xact_lock(1)")]) }
        _ = try await Self.waitingPID(on: locker)
        let queued = (1...50).map { amount in
            Task {
                // Every seventh collides with the one before it, and is rolled back alone.
                let key = amount % 7 == 0 ? amount - 1 : amount
                return try await pool.transaction([
                    PostgresStatement("INSERT INTO ledger VALUES ($1, pg_backend_pid())", [key])
                ])
            }
        }
        try await waitUntilQueued(50, in: pool)
        try await locker.execute("SELECT pg_advisory_unlock(1)")
        _ = try await blocked.value
        var failures = 0
        for (index, task) in queued.enumerated() {
            do {
                _ = try await task.value
                #expect((index + 1) % 7 != 0)
            } catch let error as PostgresError {
                #expect(error.sqlState == "23505")
                failures += 1
            }
        }
        #expect(failures == 7)
        let rows = try await pool.query("SELECT count(*) AS n, count(DISTINCT pid) AS pids FROM ledger")
        #expect(try rows[0].decode(Int.self, column: "n") == 43)
        #expect(try rows[0].decode(Int.self, column: "pids") == 1, "the queued transactions travelled in one round trip")
        await locker.close()
        await pool.close()
    }

    @Test func aRoundTripLostWithItsConnectionFailsEveryTransactionInIt() async throws {
        let database = try await TestServer.database()
        let pool = PostgresPool(configuration: database, size: 2, sharedRoundTrips: 1, logger: TestServer.logger)
        let admin = try await PostgresConnection.connect(database, logger: TestServer.logger)
        try await admin.execute("SELECT pg_advisory_lock(1)")
        let blocked = Task { try await pool.transaction([PostgresStatement("SELECT pg_advisory_xact_lock(1)")]) }
        let firstVictim = try await Self.waitingPID(on: admin)
        let queued = (1...5).map { _ in Task { try await pool.transaction([PostgresStatement("SELECT pg_advisory_xact_lock(1)")]) } }
        try await waitUntilQueued(5, in: pool)
        try await admin.query("SELECT pg_terminate_backend($1, 5000)", [firstVictim])
        await #expect { try await blocked.value } throws: { ($0 as? PostgresError)?.code == .connectionLost }
        // The queued five now travel together, and wait for the lock in turn: lose that round trip too.
        let secondVictim = try await Self.waitingPID(on: admin)
        try await admin.query("SELECT pg_terminate_backend($1, 5000)", [secondVictim])
        for task in queued {
            await #expect { try await task.value } throws: { ($0 as? PostgresError)?.code == .connectionLost }
        }
        try await admin.execute("SELECT pg_advisory_unlock(1)")
        #expect(try await pool.transaction([PostgresStatement("SELECT 1 AS one")])[0][0].decode(Int.self, column: "one") == 1)
        await admin.close()
        await pool.close()
    }

    /// The server process waiting for the advisory lock, once there is one.
    private static func waitingPID(on admin: PostgresConnection) async throws -> Int32 {
        while true {
            let rows = try await admin.query("SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            if let row = rows.first {
                return try row.decode(Int32.self, column: "pid")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Waits until `count` callers wait for a shared round trip of `pool`.
    private func waitUntilQueued(_ count: Int, in pool: PostgresPool) async throws {
        while await pool.transactionQueue.waitingCount < count {
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
