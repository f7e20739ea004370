import Foundation
import Logging
import TenderPostgres
import Testing

@Suite("Migrator")
struct MigratorTests {
    private let logger = Logger(label: "MigratorTests")

    @Test("migrating twice applies every migration once")
    func migratingTwice() async throws {
        try await StoreFixture.with(migrated: false) { fixture async throws in
            let migrator = Migrator(logger: logger)
            #expect(try await migrator.currentVersion(fixture.pool) == 0)
            #expect(try await migrator.migrate(fixture.pool) == Migration.all.map(\.version))
            #expect(try await migrator.migrate(fixture.pool) == [])
            #expect(try await migrator.currentVersion(fixture.pool) == migrator.latestVersion)
            #expect(try await fixture.count("tender_migrations") == Migration.all.count)
        }
    }

    @Test("two migrators racing on separate pools apply each migration once")
    func racingMigrators() async throws {
        try await StoreFixture.with(migrated: false) { fixture in
            let other = try await fixture.openPool()
            async let first = Migrator(logger: logger).migrate(fixture.pool)
            async let second = Migrator(logger: logger).migrate(other)
            let applied = try await first + second
            #expect(applied.sorted() == Migration.all.map(\.version))
            #expect(try await fixture.count("tender_migrations") == Migration.all.count)
            #expect(try await fixture.scalar("SELECT count(*) FROM pg_tables WHERE tablename = 'attempts'") == 1)
        }
    }

    @Test("a database migrated by a newer build is refused and left alone")
    func newerDatabaseRefused() async throws {
        try await StoreFixture.with { fixture in
            let newer = try #require(Migration.all.map(\.version).max()) + 1
            try await fixture.pool.execute("INSERT INTO tender_migrations (version, name) VALUES ($1, 'from_the_future.sql')", [newer])
            let error = await #expect(throws: MigrationError.self) {
                try await Migrator(logger: logger).migrate(fixture.pool)
            }
            #expect(error?.databaseVersion == newer)
            #expect(error?.latestKnown == newer - 1)
            #expect(try await fixture.count("tender_migrations") == Migration.all.count + 1)
        }
    }

    @Test("events stored before refunds and cancellation had types of their own read as today's after the upgrade")
    func oldEventsReadAfterUpgrade() async throws {
        try await StoreFixture.with(migrated: false) { fixture in
            try await Migrator(migrations: Migration.all.filter { $0.version < 7 }, logger: logger).migrate(fixture.pool)
            // Events name their attempt without a foreign key; today's store cannot write an attempt
            // into a schema this old.
            let (paymentID, attemptID) = (UUID().uuidString, UUID())
            let old = [
                ("attempt.failed", #"{"state": "failed", "failure": "cancelled", "asks_for_new_code": true, "late": false, "duplicate": false}"#),
                ("payment.duplicate_refunded", #"{"state": "completed", "asks_for_new_code": false, "late": false, "duplicate": true}"#),
                ("attempt.expired", #"{"state": "expired", "asks_for_new_code": true, "late": false, "duplicate": false}"#),
            ]
            for (type, payload) in old {
                try await fixture.pool.execute(
                    "INSERT INTO outbox (type, payment_id, attempt_id, version, payload, created_at) VALUES ($1, $2, $3, 1, $4::jsonb, now())",
                    [type, paymentID, attemptID, payload]
                )
            }
            #expect(try await Migrator(logger: logger).migrate(fixture.pool) == Array(7...Migration.all.count))
            let events = try await fixture.store.events(after: 0, limit: 10)
            #expect(events.map(\.type) == [.canceled, .expired])
            #expect(events.first?.state == .canceled && events.first?.failure == nil && events.first?.asksForNewCode == false)
        }
    }

    @Test("the embedded migrations are exactly the files in sql/")
    func embeddedMatchDirectory() throws {
        let directory = URL(filePath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "sql")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        #expect(!files.isEmpty)
        #expect(Migration.all.map(\.name) == files)
        for migration in Migration.all {
            #expect(migration.name.hasPrefix(String(format: "%04d_", migration.version)))
            let text = try String(contentsOf: directory.appending(path: migration.name), encoding: .utf8)
            #expect(migration.sql == text, "\(migration.name) differs from its embedded copy")
        }
        #expect(Migration.all.map(\.version) == Array(1...Migration.all.count))
    }
}
