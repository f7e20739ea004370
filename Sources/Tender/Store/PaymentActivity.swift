import Foundation

/// What happened around one payment besides its attempts' histories: the webhooks received for its
/// sessions, the events emitted to the order system, its refunds' histories, and the evidence each
/// history entry was recorded with.
public struct PaymentActivity: Sendable, Hashable {
    /// A webhook stored in the inbox.
    public struct Webhook: Sendable, Hashable {
        /// The gateway's event id.
        public var eventID: String
        /// The event's type, e.g. `checkout.session.completed`.
        public var type: String
        /// The session it names.
        public var sessionID: String
        /// When Tender stored it.
        public var receivedAt: Date
        /// When it was applied to an attempt; `nil` while parked.
        public var processedAt: Date?

        /// Creates a webhook.
        public init(eventID: String, type: String, sessionID: String, receivedAt: Date, processedAt: Date?) {
            self.eventID = eventID
            self.type = type
            self.sessionID = sessionID
            self.receivedAt = receivedAt
            self.processedAt = processedAt
        }
    }

    /// An event emitted to the order system.
    public struct Event: Sendable, Hashable {
        /// Its place in the feed; `nil` until the sequencer numbered it.
        public var sequence: Int64?
        /// The event's type, e.g. `attempt.completed`.
        public var type: String
        /// The attempt it is about.
        public var attemptID: AttemptID
        /// The attempt's version that emitted it.
        public var version: Int64
        /// When it was emitted.
        public var createdAt: Date

        /// Creates an event.
        public init(sequence: Int64?, type: String, attemptID: AttemptID, version: Int64, createdAt: Date) {
            self.sequence = sequence
            self.type = type
            self.attemptID = attemptID
            self.version = version
            self.createdAt = createdAt
        }
    }

    /// One applied input in a refund's history.
    public struct RefundStep: Sendable, Hashable {
        /// The refund.
        public var refundID: RefundID
        /// The version the input produced.
        public var version: Int64
        /// The state before; `nil` for the request.
        public var fromState: RefundState?
        /// The state after.
        public var toState: RefundState
        /// The input's name.
        public var input: String
        /// What the step did and why.
        public var note: String
        /// When it happened.
        public var at: Date

        /// Creates a step.
        public init(refundID: RefundID, version: Int64, fromState: RefundState?, toState: RefundState, input: String, note: String, at: Date) {
            self.refundID = refundID
            self.version = version
            self.fromState = fromState
            self.toState = toState
            self.input = input
            self.note = note
            self.at = at
        }
    }

    /// Webhooks for the payment's sessions, in the order they were received.
    public var webhooks: [Webhook]
    /// Events emitted for the payment, in the order they were emitted.
    public var events: [Event]
    /// The refunds' histories, in time order.
    public var refundSteps: [RefundStep]
    /// The evidence of attempt history entries that have some, as JSON text, by attempt and version.
    public var evidence: [AttemptID: [Int64: String]]

    /// Creates an activity.
    public init(webhooks: [Webhook], events: [Event], refundSteps: [RefundStep], evidence: [AttemptID: [Int64: String]]) {
        self.webhooks = webhooks
        self.events = events
        self.refundSteps = refundSteps
        self.evidence = evidence
    }

    /// The evidence `entry` was recorded with, as JSON text.
    public func evidence(of entry: HistoryEntry) -> String? {
        evidence[entry.attemptID]?[entry.version]
    }
}
