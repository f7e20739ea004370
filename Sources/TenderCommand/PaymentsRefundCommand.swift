import ArgumentParser
import Foundation
import Tender
import TenderWorker

/// `tender payments refund ID [--amount N] [--reason R]`: records a refund of a paid payment; the
/// workers make it and follow it to the end.
struct PaymentsRefundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refund",
        abstract: "Refund a paid payment, wholly or in part; the workers make the refund and follow it.",
        discussion: """
            Records the refund and makes it due at once; a running worker calls the gateway and reads \
            the refund back until it succeeds or fails (see `tender payments show`). Refused when the \
            payment is not paid or the amount exceeds what is left to refund. Run it again with the \
            same --idempotency-key to retry safely.
            """
    )

    @Argument(help: "The payment id.")
    var paymentID: String

    @Option(help: "How much, in minor units (default: everything not refunded yet).")
    var amount: Int64?

    @Option(help: "requested_by_customer (default), duplicated or fraudulent.")
    var reason: String = RefundReason.requestedByCustomer.rawValue

    @Option(help: "The request's idempotency key (default: a new one).")
    var idempotencyKey: String = "cli-\(UUID().uuidString.lowercased())"

    @OptionGroup var options: WorkerOptions

    func validate() throws {
        guard RefundReason(rawValue: reason) != nil else {
            throw ValidationError("--reason must be requested_by_customer, duplicated or fraudulent.")
        }
        if let amount, amount <= 0 {
            throw ValidationError("--amount must be a positive number of minor units.")
        }
    }

    func run() async throws {
        let logger = PaymentsDatabaseOptions.logger("tender.payments")
        let id = try PaymentID(validating: paymentID)
        let configuration = try await WorkerConfigurationLoader.load(flags: options.flags)
        try await PaymentsDatabaseOptions.checkReachable(configuration.database, logger: logger)
        let requested = try await TenderStack.withStack(configuration, schema: .expectCurrent, logger: logger) { stack in
            try await stack.engine.refund(
                paymentID: id, amount: amount, reason: RefundReason(rawValue: reason) ?? .requestedByCustomer, idempotencyKey: idempotencyKey)
        }
        let refund = requested.refund
        print(
            "refund \(refund.id) of payment \(refund.paymentID): \(refund.amount.minorUnits) \(refund.amount.currency.code), "
                + "\(refund.state.rawValue)\(requested.replayed ? " (recorded earlier under this key)" : "")")
    }
}
