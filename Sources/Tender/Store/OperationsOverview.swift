import Foundation

/// How payments move: the store's gauges and what happened since a time (the console's overview).
public struct OperationsOverview: Sendable, Hashable {
    /// Outcomes of one minute.
    public struct Minute: Sendable, Hashable {
        /// The minute's start.
        public var start: Date
        /// Attempts resolved in the minute, by the state they ended in.
        public var outcomes: [AttemptState: Int]

        /// Creates a minute.
        public init(start: Date, outcomes: [AttemptState: Int]) {
            self.start = start
            self.outcomes = outcomes
        }
    }

    /// How late deadlines fired: the history's time of each `deadline_reached` minus the deadline.
    public struct Lateness: Sendable, Hashable {
        /// How many deadlines fired.
        public var count: Int
        /// The median, in seconds.
        public var p50: TimeInterval
        /// The 99th percentile, in seconds.
        public var p99: TimeInterval

        /// Creates a summary.
        public init(count: Int, p50: TimeInterval, p99: TimeInterval) {
            self.count = count
            self.p50 = p50
            self.p99 = p99
        }
    }

    /// An attempt or event that needs a person, with its payment.
    public struct Alarm: Sendable, Hashable {
        /// The payment.
        public var paymentID: PaymentID
        /// When it happened.
        public var at: Date

        /// Creates an alarm.
        public init(paymentID: PaymentID, at: Date) {
            self.paymentID = paymentID
            self.at = at
        }
    }

    /// An attempt waiting for the payer.
    public struct Waiting: Sendable, Hashable {
        /// The payment.
        public var paymentID: PaymentID
        /// The attempt.
        public var attemptID: AttemptID
        /// When it was submitted.
        public var submittedAt: Date

        /// Creates a waiting attempt.
        public init(paymentID: PaymentID, attemptID: AttemptID, submittedAt: Date) {
            self.paymentID = paymentID
            self.attemptID = attemptID
            self.submittedAt = submittedAt
        }
    }

    /// The gauges `/metrics` reports.
    public var monitoring: MonitoringSnapshot
    /// Where the counts below start.
    public var since: Date
    /// Outcomes per minute since `since`, oldest first; minutes without outcomes are absent.
    public var minutes: [Minute]
    /// Deadline lateness since `since`.
    public var deadlineLateness: Lateness
    /// Webhooks received since `since` and applied to an attempt.
    public var webhooksProcessed: Int
    /// Webhooks received since `since` and parked for a session no attempt holds yet.
    public var webhooksParked: Int
    /// The attempt waiting longest for the payer's confirmation.
    public var oldestAwaiting: Waiting?
    /// Duplicate charges resolved since `since`, newest first (at most 20).
    public var duplicateCharges: [Alarm]
    /// Sessions the gateway opened with another amount, since `since`, newest first (at most 20).
    public var amountMismatches: [Alarm]

    /// Creates an overview.
    public init(
        monitoring: MonitoringSnapshot, since: Date, minutes: [Minute], deadlineLateness: Lateness, webhooksProcessed: Int, webhooksParked: Int,
        oldestAwaiting: Waiting?, duplicateCharges: [Alarm], amountMismatches: [Alarm]
    ) {
        self.monitoring = monitoring
        self.since = since
        self.minutes = minutes
        self.deadlineLateness = deadlineLateness
        self.webhooksProcessed = webhooksProcessed
        self.webhooksParked = webhooksParked
        self.oldestAwaiting = oldestAwaiting
        self.duplicateCharges = duplicateCharges
        self.amountMismatches = amountMismatches
    }
}
