import LibPQ
import Testing

@Suite struct PostgresListenerTests {
    @Test func notificationArrivesAndSurvivesATerminatedBackend() async throws {
        let database = try await TestServer.database()
        let admin = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let listener = PostgresListener(configuration: database, channels: ["Wake Up", "other"], logger: TestServer.logger)
        var events = listener.events().makeAsyncIterator()
        #expect(await events.next() == .listening)

        try await admin.query("SELECT pg_notify($1, $2)", ["Wake Up", "first ✓"])
        #expect(await events.next() == .notification(channel: "Wake Up", payload: "first ✓"))

        let backends = try await admin.query(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'LISTEN%'"
        )
        #expect(backends.count == 1)
        let pid = try backends[0].decode(Int32.self, column: "pid")
        try await admin.query("SELECT pg_terminate_backend($1, 5000)", [pid])
        #expect(await events.next() == .listening)

        try await admin.query("SELECT pg_notify($1, $2)", ["other", "second"])
        #expect(await events.next() == .notification(channel: "other", payload: "second"))
    }

    @Test func cancellingTheConsumerClosesTheConnection() async throws {
        let database = try await TestServer.database()
        let admin = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let listener = PostgresListener(configuration: database, channels: ["wake"], logger: TestServer.logger)
        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let consumer = Task {
            for await event in listener.events() where event == .listening {
                startedContinuation.yield()
            }
        }
        for await _ in started { break }
        consumer.cancel()
        await consumer.value
        var listening = 1
        for _ in 0..<100 where listening > 0 {
            try await Task.sleep(for: .milliseconds(50))
            let rows = try await admin.query(
                "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'"
            )
            listening = try rows[0].decode(Int.self, column: "n")
        }
        #expect(listening == 0)
    }

    @Test func transformedEventsAreYieldedAndNilsLeftOut() async throws {
        let database = try await TestServer.database()
        let admin = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let listener = PostgresListener(configuration: database, channels: ["numbers"], logger: TestServer.logger)
        var numbers = listener.events { event -> Int? in
            switch event {
            case .listening: 0
            case .notification(_, let payload): Int(payload)
            }
        }.makeAsyncIterator()
        #expect(await numbers.next() == 0)
        for payload in ["1", "not a number", "3"] {
            try await admin.query("SELECT pg_notify('numbers', $1)", [payload])
        }
        #expect(await numbers.next() == 1)
        #expect(await numbers.next() == 3)
    }
}
