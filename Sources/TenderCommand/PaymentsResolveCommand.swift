import ArgumentParser
import Foundation
import Logging
import Tender
import TenderWorker

/// `tender payments resolve ID --as completed --reason TEXT`: settles an attempt by hand, recorded
/// in its history as an operator action.
struct PaymentsResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Resolve a payment's attempt by hand; recorded in its history as an operator action.",
        discussion: """
            Given a payment id, resolves its attempt in flight, or else its latest attempt; given an \
            attempt id, that attempt. States only move forward: a refused resolution is reported and \
            exits with status 1. Check the gateway's dashboard before resolving as completed. Reads             the workers' configuration (flags, environment, TENDER_CONFIG_FILE), so the resolution             runs the policy the workers run.
            """
    )

    @Argument(help: "The payment id, or an attempt id.")
    var id: String

    @Option(name: .customLong("as"), help: "The outcome: completed, expired or failed.")
    var outcome: PaymentsStateArgument

    @Option(help: "Why, for the audit record.")
    var reason: String

    @OptionGroup var options: WorkerOptions

    func validate() throws {
        guard [.completed, .expired, .failed].contains(outcome.state) else {
            throw ValidationError("--as must be completed, expired or failed.")
        }
        guard !reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ValidationError("--reason must not be empty.")
        }
    }

    func run() async throws {
        let logger = PaymentsDatabaseOptions.logger("tender.payments")
        let configuration = try await WorkerConfigurationLoader.load(flags: options.flags)
        try await PaymentsDatabaseOptions.checkReachable(configuration.database, logger: logger)
        let transition = try await TenderStack.withStack(configuration, schema: .expectCurrent, logger: logger) { stack in
            let (record, attemptID) = try await PaymentsLookup.find(id, in: stack.store)
            guard let target = attemptID ?? (record.attempts.last { $0.state.isInFlight } ?? record.attempts.last)?.id else {
                throw PaymentsCommandError("payment \(record.id) has no attempts")
            }
            return try await stack.engine.resolve(target, as: outcome.state, reason: reason)
        }
        guard transition.changedState else {
            throw PaymentsCommandError("refused: \(PaymentsFormat.transition(transition))")
        }
        print(PaymentsFormat.transition(transition))
        if transition.attempt.duplicate {
            print("Note: another attempt of this payment had completed; this one is flagged as a duplicate charge.")
        }
    }
}
