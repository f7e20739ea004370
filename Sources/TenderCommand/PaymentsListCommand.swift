import ArgumentParser
import Foundation
import Logging
import Tender
import TenderDemo

/// `tender payments list --state awaiting_confirmation --older-than 2m`: attempts stuck in a state.
struct PaymentsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List attempts in a state that were submitted longer ago than a given age, oldest first."
    )

    @Option(help: "The state (\(AttemptState.allCases.map(\.rawValue).joined(separator: ", "))); camelCase works too.")
    var state: PaymentsStateArgument

    @Option(help: "Only attempts submitted at least this long ago, e.g. 90s, 2m, 1h.")
    var olderThan = PaymentsDurationArgument(.zero)

    @Option(help: "The most attempts to list.")
    var limit = 100

    @OptionGroup var database: PaymentsDatabaseOptions

    func validate() throws {
        guard limit > 0 else { throw ValidationError("--limit must be positive.") }
    }

    func run() async throws {
        let logger = PaymentsDatabaseOptions.logger("tender.payments")
        let now = Date()
        let attempts = try await database.withStore(logger: logger) { store in
            try await store.attempts(in: state.state, submittedBefore: now.addingTimeInterval(-olderThan.duration.timeInterval), limit: limit)
        }
        guard !attempts.isEmpty else {
            print("No \(state.state.rawValue) attempts submitted more than \(olderThan.text) ago.")
            return
        }
        var table = TextTable(["payment", "attempt", "state", "age", "submitted", "deadline", "session"])
        for attempt in attempts {
            table.append([
                "\(attempt.paymentID)", "\(attempt.id)", attempt.state.rawValue, PaymentsFormat.age(since: attempt.submittedAt, now: now),
                PaymentsFormat.time(attempt.submittedAt), PaymentsFormat.time(attempt.deadline), attempt.sessionID ?? "-",
            ])
        }
        print(table.rendered(indent: 0), terminator: "")
        if attempts.count == limit {
            print("(the first \(limit); raise --limit for more)")
        }
    }
}
