import Foundation
import Tender
import TenderSandbox

/// The end of a demo run: outcomes, time to outcome, how outcomes were learned, deadline lateness,
/// webhook traffic, and the ledger check.
struct DemoSummary: Sendable {
    /// The attempts of the run's payments, as the store has them at the end.
    var attempts: [Attempt]
    /// Payments the engine refused at submission, with the reason.
    var rejections: [PaymentID: String]
    /// Lateness of fired tasks in seconds, by task kind (from `tender_task_lateness_seconds`).
    var lateness: [String: [Double]]
    /// Webhooks the engine received, by result (from `tender_webhooks_total`).
    var webhooks: [String: Int64]
    /// The gateway's ledger.
    var ledger: SandboxLedger
    /// How the run ended.
    var ending: DemoDriver.Ending
    /// Wall-clock seconds from the first submission to the end.
    var elapsed: TimeInterval

    /// The comparison with the ledger.
    var check: DemoLedgerCheck { DemoLedgerCheck(attempts: attempts, ledger: ledger) }

    func rendered() -> String {
        var text = "\n"
        switch ending {
        case .finished: text += "All \(attempts.count) payments reached an outcome in \(seconds(elapsed)).\n"
        case .timedOut: text += "Gave up waiting after \(seconds(elapsed)); some payments are still in flight.\n"
        case .interrupted: text += "Interrupted after \(seconds(elapsed)); the results so far:\n"
        }
        text += outcomes() + timeToOutcome() + sources() + deadlineLateness() + webhookTraffic()
        if !rejections.isEmpty {
            text += "\nRefused at submission:\n"
            for (paymentID, reason) in rejections.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                text += "  \(paymentID): \(reason)\n"
            }
        }
        return text
    }

    /// The ledger check's verdict, with the mismatches if any.
    func renderedCheck() -> String {
        let check = self.check
        guard check.isConsistent else {
            return "\nLedger check: MISMATCH\n" + check.mismatches.map { "  - \($0)\n" }.joined()
        }
        let completed = attempts.filter { $0.state == .completed }.count
        return "\nLedger check: OK — \(check.charges) charges at the gateway, \(completed) completed attempts, "
            + "each charged exactly once; nothing else charged.\n"
    }

    private static let outcomeStates: [AttemptState] = [.completed, .expired, .failed, .awaitingConfirmation, .submitted]

    private func outcomes() -> String {
        var table = TextTable(["outcome", "payments", "share", "note"], rightAligned: [1, 2])
        for state in Self.outcomeStates {
            let matching = attempts.filter { $0.state == state }
            guard !matching.isEmpty || state.rank >= 2 else { continue }
            var notes: [String] = []
            let late = matching.filter(\.late).count
            if late > 0 { notes.append("\(late) late") }
            let failures = Dictionary(grouping: matching.compactMap(\.failure), by: \.description)
            notes += failures.keys.sorted().map { "\(failures[$0, default: []].count) \($0)" }
            table.append([state.rawValue, "\(matching.count)", percent(matching.count, of: attempts.count), notes.joined(separator: ", ")])
        }
        return "\nOutcomes\n" + table.rendered()
    }

    private func timeToOutcome() -> String {
        var table = TextTable(["outcome", "count", "p50", "p90", "p99", "max"], rightAligned: [1, 2, 3, 4, 5])
        func row(_ title: String, _ matching: [Attempt]) {
            let times = matching.compactMap { attempt in attempt.resolvedAt.map { $0.timeIntervalSince(attempt.submittedAt) } }.sorted()
            guard !times.isEmpty else { return }
            table.append([title, "\(times.count)"] + [0.5, 0.9, 0.99, 1].map { seconds(percentile($0, of: times)) })
        }
        for state in [AttemptState.completed, .expired, .failed] {
            row(state.rawValue, attempts.filter { $0.state == state })
        }
        row("all", attempts)
        return "\nTime to outcome (submission to outcome, wall clock)\n" + table.rendered()
    }

    private func sources() -> String {
        let states: [AttemptState] = [.completed, .expired, .failed]
        var table = TextTable(["learned from"] + states.map(\.rawValue), rightAligned: [1, 2, 3])
        let resolved = attempts.filter { states.contains($0.state) }
        let sources = Set(resolved.compactMap(\.outcomeSource))
        for source in InputSource.allCases where sources.contains(source) {
            table.append(
                [source.rawValue]
                    + states.map { state in
                        "\(resolved.filter { $0.state == state && $0.outcomeSource == source }.count)"
                    })
        }
        return "\nHow each outcome was learned\n" + table.rendered()
    }

    private func deadlineLateness() -> String {
        var table = TextTable(["task", "fired", "p50", "p99", "max"], rightAligned: [1, 2, 3, 4])
        for kind in lateness.keys.sorted() {
            let samples = lateness[kind, default: []].sorted()
            guard !samples.isEmpty else { continue }
            table.append([kind, "\(samples.count)"] + [0.5, 0.99, 1].map { milliseconds(percentile($0, of: samples)) })
        }
        var text = "\nTask lateness (fired - due, tender_task_lateness_seconds)\n" + table.rendered()
        let overdue = attempts.filter { $0.state == .expired }.compactMap { attempt in
            attempt.resolvedAt.map { $0.timeIntervalSince(attempt.deadline) }
        }.sorted()
        if !overdue.isEmpty {
            text +=
                "  expired attempts resolved after their deadline by: p50 \(milliseconds(percentile(0.5, of: overdue))), "
                + "max \(milliseconds(overdue.last ?? 0)) (includes the last poll)\n"
        }
        return text
    }

    private func webhookTraffic() -> String {
        let events = ledger.webhookEvents
        let received = webhooks.keys.sorted().map { "\($0) \(webhooks[$0, default: 0])" }.joined(separator: ", ")
        return "\nWebhooks: the gateway raised \(events.count) events, dropped \(events.filter(\.dropped).count), "
            + "duplicated \(events.filter(\.duplicated).count), delayed \(events.filter(\.delayed).count); "
            + "Tender received: \(received.isEmpty ? "none" : received)\n"
    }

    /// The nearest-rank percentile of sorted samples.
    private func percentile(_ fraction: Double, of sorted: [Double]) -> Double {
        guard !sorted.isEmpty else { return 0 }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }

    private func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "-" : String(format: "%.0f%%", Double(part) * 100 / Double(whole))
    }

    private func seconds(_ value: TimeInterval) -> String {
        String(format: "%.1f s", value)
    }

    private func milliseconds(_ value: TimeInterval) -> String {
        String(format: "%.1f ms", value * 1000)
    }
}
