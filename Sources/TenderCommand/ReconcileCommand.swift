import ArgumentParser
import Foundation
import Tender
import TenderWorker

/// `tender reconcile --since 24h [--json PATH]`: compares Tender's records with the gateway's,
/// session by session, and exits non-zero when they disagree.
struct ReconcileCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Compare Tender's records with the gateway's; exit 1 when they disagree.",
        discussion: """
            Reads back from the gateway the session of every attempt submitted in the window, at most \
            TENDER_POLL_BUDGET reads a second, and compares its status (once the attempt has its \
            outcome), amount, currency and amount refunded (once no refund is under way) with \
            Tender's records. Prints a summary and every mismatch; --json writes the report too.
            """
    )

    @Option(help: "How far back to look: 90s, 30m, 24h, 7d.")
    var since = PaymentsDurationArgument(.seconds(86_400))

    @Option(name: .customLong("json"), help: "Also write the report as JSON to this file.")
    var jsonPath: String?

    @OptionGroup var options: WorkerOptions

    func run() async throws {
        let logger = PaymentsDatabaseOptions.logger("tender.reconcile")
        let configuration = try await WorkerConfigurationLoader.load(flags: options.flags)
        try await PaymentsDatabaseOptions.checkReachable(configuration.database, logger: logger)
        let start = Date() - since.duration.timeInterval
        let report = try await TenderStack.withStack(configuration, schema: .expectCurrent, logger: logger) { stack in
            try await Reconciler(store: stack.store, gateway: stack.gateway, readsPerSecond: configuration.engine.pollBudget).run(since: start)
        }
        print(
            "Checked \(report.checked) session\(report.checked == 1 ? "" : "s") since \(PaymentsFormat.time(start)) "
                + "(\(report.inFlight) still in flight): \(report.mismatches.count) mismatch\(report.mismatches.count == 1 ? "" : "es")")
        for mismatch in report.mismatches {
            print(
                "  payment \(mismatch.paymentID), attempt \(mismatch.attemptID), session \(mismatch.sessionID): "
                    + "\(mismatch.field) is \(mismatch.tender) in Tender, \(mismatch.gateway) at the gateway")
        }
        if let jsonPath {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.dateEncodingStrategy = .iso8601
            try encoder.encode(report).write(to: URL(fileURLWithPath: jsonPath))
        }
        if !report.mismatches.isEmpty {
            throw ExitCode(1)
        }
    }
}
