import ArgumentParser
import Logging
import Tender
import TenderDemo

/// `tender payments show ID`: a payment's state, its attempts, and every transition of each.
struct PaymentsShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a payment: its state, its attempts and their full history."
    )

    @Argument(help: "The payment id, or the id of one of its attempts.")
    var id: String

    @OptionGroup var database: PaymentsDatabaseOptions

    func run() async throws {
        let logger = PaymentsDatabaseOptions.logger("tender.payments")
        let record = try await database.withStore(logger: logger) { store in
            try await PaymentsLookup.find(id, in: store).record
        }
        print(Self.render(record), terminator: "")
    }

    static func render(_ record: PaymentRecord) -> String {
        var text = "Payment \(record.id): \(record.state.rawValue)\n"
        text += "  amount \(record.amount), created \(PaymentsFormat.time(record.createdAt))"
        if let completed = record.completedAttemptID { text += ", completed by attempt \(completed)" }
        text += "\n\nAttempts\n"

        var attempts = TextTable(
            ["#", "attempt", "state", "late", "duplicate", "failure", "session", "deadline", "resolved", "learned from", "quiet polls"]
        )
        for (index, attempt) in record.attempts.enumerated() {
            attempts.append([
                "\(index + 1)", "\(attempt.id)", attempt.state.rawValue, PaymentsFormat.flag(attempt.late),
                PaymentsFormat.flag(attempt.duplicate), attempt.failure?.description ?? "", attempt.sessionID ?? "-",
                PaymentsFormat.time(attempt.deadline), PaymentsFormat.time(attempt.resolvedAt), attempt.outcomeSource?.rawValue ?? "",
                attempt.lastQuietPollAt.map { "\(attempt.quietPolls), the last at \(PaymentsFormat.time($0))" } ?? "0",
            ])
        }
        text += attempts.rendered()

        let numbers = Dictionary(uniqueKeysWithValues: record.attempts.enumerated().map { ($0.element.id, $0.offset + 1) })
        var history = TextTable(["#", "version", "at", "from", "to", "input", "source", "note"], rightAligned: [1])
        for entry in record.history {
            history.append([
                numbers[entry.attemptID].map(String.init) ?? "?", "\(entry.version)", PaymentsFormat.time(entry.at),
                entry.fromState?.rawValue ?? "-", entry.toState.rawValue, entry.input, entry.source.rawValue, entry.note,
            ])
        }
        text += "\nHistory (# is the attempt)\n" + history.rendered()
        guard !record.refunds.isEmpty else { return text }

        var refunds = TextTable(["#", "refund", "amount", "reason", "state", "gateway id", "requested", "resolved"], rightAligned: [2])
        for refund in record.refunds {
            refunds.append([
                numbers[refund.attemptID].map(String.init) ?? "?", "\(refund.id)", "\(refund.amount.minorUnits)", refund.reason.rawValue,
                refund.state.rawValue, refund.gatewayRefundID ?? "-", PaymentsFormat.time(refund.requestedAt),
                PaymentsFormat.time(refund.resolvedAt),
            ])
        }
        return text + "\nRefunds (# is the attempt; \(record.refundedAmount) refunded)\n" + refunds.rendered()
    }
}
