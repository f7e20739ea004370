import ArgumentParser
import Logging
import TenderPostgres

/// `tender migrate`: brings the database's schema up to this build's version.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply Tender's schema migrations to a database.",
        discussion: "Safe to run at any time and from several processes at once: each migration is applied once, under a lock."
    )

    @OptionGroup var database: PaymentsDatabaseOptions

    func run() async throws {
        let logger = PaymentsDatabaseOptions.logger("tender.migrate")
        let migrator = Migrator(logger: logger)
        let (before, applied) = try await database.withPool(logger: logger) { pool in
            let before = try await migrator.currentVersion(pool)
            return (before, try await migrator.migrate(pool))
        }
        if applied.isEmpty {
            print("Schema already at version \(before) (the latest this build knows).")
        } else {
            print(
                "Schema migrated from version \(before) to \(migrator.latestVersion); applied: \(applied.map(String.init).joined(separator: ", ")).")
        }
    }
}
