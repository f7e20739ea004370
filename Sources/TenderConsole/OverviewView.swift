import Foundation
import Tender

/// The overview: what is in flight, how outcomes and deadlines went in the last hour, webhooks,
/// consumer lag, the oldest payment still waiting, and alarms.
struct OverviewView: Sendable {
    struct Count: Sendable {
        var state: String
        var label: String
        var count: Int
    }

    struct Lag: Sendable {
        var consumer: String
        var events: Int
    }

    struct Waiting: Sendable {
        var paymentID: String
        var link: String
        var age: String
    }

    struct AlarmRow: Sendable {
        var paymentID: String
        var link: String
        var what: String
        var at: String
    }

    struct Lateness: Sendable {
        var count: Int
        var p50: String
        var p99: String
    }

    let title = "Overview"
    /// Seconds between reloads when following live (`/console?live=1`), so payments are seen
    /// moving without a script; `nil` otherwise.
    var refreshSeconds: Int?
    var chrome: PageChrome
    var inFlight: [Count]
    var states: [Count]
    var refunds: [Count]
    var chart: String
    var lateness: Lateness
    var webhooksProcessed: Int
    var webhooksParked: Int
    var parkedNow: Int
    var lag: [Lag]
    var oldest: Waiting?
    var alarms: [AlarmRow]
    var generatedAt: String

    init(_ overview: OperationsOverview, chrome: PageChrome, now: Date, live: Bool) {
        let monitoring = overview.monitoring
        self.chrome = chrome
        self.refreshSeconds = live ? 5 : nil
        self.inFlight = AttemptState.allCases.filter(\.isInFlight).map {
            Count(state: $0.rawValue, label: "\($0.rawValue.replacingOccurrences(of: "_", with: " ")) now", count: monitoring.attempts[$0] ?? 0)
        }
        self.states = AttemptState.allCases.map { Count(state: $0.rawValue, label: $0.rawValue, count: monitoring.attempts[$0] ?? 0) }
        self.refunds = monitoring.refunds.sorted { $0.key.rawValue < $1.key.rawValue }.map {
            Count(state: $0.key.rawValue, label: $0.key.rawValue, count: $0.value)
        }
        self.chart = OutcomeChart(minutes: overview.minutes, now: now).svg()
        let lateness = overview.deadlineLateness
        self.lateness = Lateness(
            count: lateness.count, p50: lateness.count == 0 ? "-" : ConsoleFormat.milliseconds(lateness.p50),
            p99: lateness.count == 0 ? "-" : ConsoleFormat.milliseconds(lateness.p99))
        self.webhooksProcessed = overview.webhooksProcessed
        self.webhooksParked = overview.webhooksParked
        self.parkedNow = monitoring.parkedWebhooks
        self.lag = monitoring.consumerLag.sorted { $0.key < $1.key }.map { Lag(consumer: $0.key, events: $0.value) }
        self.oldest = overview.oldestAwaiting.map {
            Waiting(
                paymentID: $0.paymentID.rawValue, link: ConsoleFormat.link(to: $0.paymentID),
                age: ConsoleFormat.age(now.timeIntervalSince($0.submittedAt)))
        }
        func rows(_ alarms: [OperationsOverview.Alarm], what: String) -> [AlarmRow] {
            alarms.map {
                AlarmRow(paymentID: $0.paymentID.rawValue, link: ConsoleFormat.link(to: $0.paymentID), what: what, at: ConsoleFormat.time($0.at))
            }
        }
        self.alarms = rows(overview.duplicateCharges, what: "duplicate charge") + rows(overview.amountMismatches, what: "amount mismatch")
        self.generatedAt = ConsoleFormat.time(now)
    }
}
