import ArgumentParser
import Foundation
import Logging
import Tender
import TenderWorker

/// `tender payments resolve ID --as completed --reason TEXT [--operator NAME] [--force]`: settles an
/// attempt by hand after checking the gateway, recorded in its history as an operator action.
struct PaymentsResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Resolve a payment's attempt by hand; recorded in its history as an operator action.",
        discussion: """
            Given a payment id, resolves its attempt in flight, or else its latest attempt; given an \
            attempt id, that attempt. The session is read from the gateway first: a resolution the \
            gateway contradicts (completed when the session is not, expired or failed when it was \
            paid, failed while the payer can still confirm) is refused unless --force is given, and \
            the gateway's answer and the operator's name go into the history either way. States only \
            move forward: a refused resolution is reported and exits with status 1. Reads the \
            workers' configuration (flags, environment, TENDER_CONFIG_FILE), so the resolution runs \
            the policy the workers run.
            """
    )

    @Argument(help: "The payment id, or an attempt id.")
    var id: String

    @Option(name: .customLong("as"), help: "The outcome: completed, expired or failed.")
    var outcome: PaymentsStateArgument

    @Option(help: "Why, for the audit record.")
    var reason: String

    @Option(name: .customLong("operator"), help: "Who resolves, for the audit record (default: the OS user).")
    var operatorName: String = ProcessInfo.processInfo.environment["USER"] ?? NSUserName()

    @Flag(help: "Resolve even when the gateway's session says otherwise.")
    var force = false

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
            do {
                return try await stack.engine.resolve(target, as: outcome.state, reason: reason, operatorName: operatorName, force: force)
            } catch let refused as ResolutionRefused {
                throw PaymentsCommandError("refused: \(refused.reason); check with the gateway, and repeat with --force to override it")
            }
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
