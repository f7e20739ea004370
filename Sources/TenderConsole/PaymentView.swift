import Foundation
import Tender

/// One payment: its attempts, a timeline of every transition of its attempts and refunds with the
/// input's source and evidence, the webhooks received for its sessions, the events emitted, and
/// the forms an operator may act with. Never shows a BLIK code: attempts are read field by field.
struct PaymentView: Sendable {
    struct AttemptRow: Sendable {
        var number: Int
        var id: String
        var state: String
        var session: String
        var submitted: String
        var deadline: String
        var resolved: String
        var source: String
        /// The polls that learned nothing, which the history does not keep: `N quiet polls, the
        /// last at …`, or `-`.
        var quietPolls: String
        var flags: String
    }

    /// A timeline entry: one transition, or a run of transitions that changed nothing and said
    /// the same (failed polls while the gateway is down), shown once with its count. Polls that
    /// learned nothing are not in the history: their attempt counts them (``AttemptRow/quietPolls``).
    struct Moment: Sendable {
        var at: String
        /// What changed, e.g. `attempt 1`, and at which version.
        var owner: String
        var version: Int64
        var change: String
        var input: String
        var source: String
        var note: String
        var evidence: String?
        var sortKey: Date
        /// How many transitions the entry stands for, with the last one's time, when more than one.
        var repeated: String?
        /// The last version of a folded run.
        var lastVersion: Int64?

        /// Whether `next` repeats this entry: the same owner, input, source and note, and no change.
        func isRepeated(by next: Moment) -> Bool {
            change.hasPrefix("stays") && (next.owner, next.change, next.input, next.source, next.note) == (owner, change, input, source, note)
        }
    }

    struct RefundRow: Sendable {
        var id: String
        var amount: String
        var reason: String
        var state: String
        var gatewayID: String
        var requested: String
        var resolved: String
    }

    struct WebhookRow: Sendable {
        var eventID: String
        var type: String
        var sessionID: String
        var received: String
        var processed: String
    }

    struct EventRow: Sendable {
        var sequence: String
        var type: String
        var attempt: Int
        var version: Int64
        var created: String
    }

    /// The attempt the resolve form settles.
    struct Resolvable: Sendable {
        var number: Int
        var attemptID: String
    }

    let title: String
    var chrome: PageChrome
    var id: String
    var state: String
    var amount: String
    var created: String
    var refunded: String?
    var attempts: [AttemptRow]
    var timeline: [Moment]
    var hasRefunds: Bool
    var refunds: [RefundRow]
    var webhooks: [WebhookRow]
    var events: [EventRow]
    var actionBase: String
    var csrf: String
    var resolvable: Resolvable?
    var cancellable: Bool
    var refundable: Bool
    var canAct: Bool
    let refundReasons = [RefundReason.requestedByCustomer, .duplicated, .fraudulent].map(\.rawValue)
    var done: String?
    var problem: String?

    init(_ record: PaymentRecord, activity: PaymentActivity, chrome: PageChrome, done: String? = nil, problem: String? = nil) {
        let numbers = Dictionary(uniqueKeysWithValues: record.attempts.enumerated().map { ($0.element.id, $0.offset + 1) })
        self.title = "Payment \(record.id.rawValue)"
        self.chrome = chrome
        self.id = record.id.rawValue
        self.state = record.state.rawValue
        self.amount = "\(record.amount)"
        self.created = ConsoleFormat.time(record.createdAt)
        self.refunded =
            record.refundedAmount > 0 ? (try? Money(minorUnits: record.refundedAmount, currency: record.amount.currency)).map { "\($0)" } : nil
        self.attempts = record.attempts.enumerated().map { index, attempt in
            AttemptRow(
                number: index + 1, id: attempt.id.rawValue.uuidString.lowercased(), state: attempt.state.rawValue, session: attempt.sessionID ?? "-",
                submitted: ConsoleFormat.time(attempt.submittedAt), deadline: ConsoleFormat.time(attempt.deadline),
                resolved: ConsoleFormat.time(attempt.resolvedAt), source: attempt.outcomeSource?.rawValue ?? "-",
                quietPolls: Self.quietPolls(of: attempt),
                flags: [attempt.late ? "late" : nil, attempt.duplicate ? "duplicate charge" : nil, attempt.failure.map { "failure: \($0)" }]
                    .compactMap { $0 }.joined(separator: ", "))
        }
        let attemptMoments = record.history.map { entry in
            Moment(
                at: ConsoleFormat.time(entry.at), owner: "attempt \(numbers[entry.attemptID] ?? 0)", version: entry.version,
                change: Self.change(from: entry.fromState, to: entry.toState),
                input: entry.input, source: entry.source.rawValue, note: entry.note, evidence: activity.evidence(of: entry), sortKey: entry.at,
                repeated: nil, lastVersion: nil)
        }
        let refundNumbers = Dictionary(uniqueKeysWithValues: record.refunds.enumerated().map { ($0.element.id, $0.offset + 1) })
        let refundMoments = activity.refundSteps.map { step in
            Moment(
                at: ConsoleFormat.time(step.at), owner: "refund \(refundNumbers[step.refundID] ?? 0)", version: step.version,
                change: Self.change(from: step.fromState, to: step.toState),
                input: step.input, source: "refund", note: step.note, evidence: nil, sortKey: step.at, repeated: nil,
                lastVersion: nil)
        }
        self.timeline = Self.collapsingRepeats(
            (attemptMoments + refundMoments).enumerated().sorted { ($0.element.sortKey, $0.offset) < ($1.element.sortKey, $1.offset) }.map(\.element))
        self.hasRefunds = !record.refunds.isEmpty
        self.refunds = record.refunds.map {
            RefundRow(
                id: $0.id.rawValue.uuidString.lowercased(), amount: "\($0.amount)", reason: $0.reason.rawValue, state: $0.state.rawValue,
                gatewayID: $0.gatewayRefundID ?? "-", requested: ConsoleFormat.time($0.requestedAt), resolved: ConsoleFormat.time($0.resolvedAt))
        }
        self.webhooks = activity.webhooks.map {
            WebhookRow(
                eventID: $0.eventID, type: $0.type, sessionID: $0.sessionID, received: ConsoleFormat.time($0.receivedAt),
                processed: $0.processedAt.map(ConsoleFormat.time) ?? "parked")
        }
        self.events = activity.events.map {
            EventRow(
                sequence: $0.sequence.map(String.init) ?? "-", type: $0.type, attempt: numbers[$0.attemptID] ?? 0, version: $0.version,
                created: ConsoleFormat.time($0.createdAt))
        }
        self.actionBase = ConsoleFormat.link(to: record.id)
        self.csrf = chrome.csrf
        let target = record.attempts.last { $0.state.isInFlight }
        self.resolvable = target.map { Resolvable(number: numbers[$0.id] ?? 0, attemptID: $0.id.rawValue.uuidString.lowercased()) }
        self.cancellable = record.completedAttemptID == nil && record.attempts.last?.state.isInFlight == true
        self.refundable = record.completedAttemptID != nil && record.refundedAmount < record.amount.minorUnits
        self.canAct = resolvable != nil || cancellable || refundable
        self.done = done
        self.problem = problem
    }

    /// A transition's change of state as the timeline shows it: `→ submitted`,
    /// `submitted → completed` or `stays awaiting_confirmation`.
    static func change<State: RawRepresentable & Equatable>(from before: State?, to after: State) -> String where State.RawValue == String {
        guard let before else { return "→ \(after.rawValue)" }
        return before == after ? "stays \(before.rawValue)" : "\(before.rawValue) → \(after.rawValue)"
    }

    /// An attempt's quiet polls as the attempts table shows them.
    static func quietPolls(of attempt: Attempt) -> String {
        guard let last = attempt.lastQuietPollAt, attempt.quietPolls > 0 else { return "-" }
        return "\(attempt.quietPolls) quiet \(attempt.quietPolls == 1 ? "poll" : "polls"), the last at \(ConsoleFormat.time(last))"
    }

    /// `moments` with each run of repeats folded into its first entry, which counts them.
    static func collapsingRepeats(_ moments: [Moment]) -> [Moment] {
        var folded: [(moment: Moment, count: Int, last: Moment)] = []
        for moment in moments {
            if let run = folded.last, run.moment.isRepeated(by: moment) {
                folded[folded.count - 1].count += 1
                folded[folded.count - 1].last = moment
            } else {
                folded.append((moment, 1, moment))
            }
        }
        return folded.map { run in
            var moment = run.moment
            if run.count > 1 {
                moment.repeated = "× \(run.count), the last at \(run.last.at)"
                moment.evidence = run.last.evidence
                moment.lastVersion = run.last.version
            }
            return moment
        }
    }
}
