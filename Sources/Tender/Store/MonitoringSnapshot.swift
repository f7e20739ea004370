import Foundation

/// What the monitoring system reads from the store on every scrape: the gauges that say whether
/// payments move, counted in the database so that every worker reports the same.
public struct MonitoringSnapshot: Sendable, Hashable {
    /// Attempts by state; states without attempts are absent.
    public var attempts: [AttemptState: Int]
    /// Refunds by state; states without refunds are absent.
    public var refunds: [RefundState: Int]
    /// Webhooks stored but not processed: parked for a session no attempt holds yet.
    public var parkedWebhooks: Int
    /// How long the oldest attempt awaiting confirmation has waited since its submission; zero
    /// when none waits.
    public var oldestAwaitingConfirmation: TimeInterval
    /// Per consumer of the event feed, how many events it has not acknowledged.
    public var consumerLag: [String: Int]

    /// A snapshot of these values.
    public init(
        attempts: [AttemptState: Int], refunds: [RefundState: Int], parkedWebhooks: Int, oldestAwaitingConfirmation: TimeInterval,
        consumerLag: [String: Int]
    ) {
        self.attempts = attempts
        self.refunds = refunds
        self.parkedWebhooks = parkedWebhooks
        self.oldestAwaitingConfirmation = oldestAwaitingConfirmation
        self.consumerLag = consumerLag
    }
}
