import Foundation

/// Reads for the operator console: how payments move now, and what happened around one payment.
public protocol OperatorReads: Sendable {
    /// What the overview shows: the gauges of ``MonitoringSnapshot`` and the last hour's outcomes,
    /// deadline lateness, webhooks and alarms, counted since `since`.
    func overview(since: Date) async throws -> OperationsOverview

    /// The webhooks received for the sessions of `record`'s attempts, the events emitted for them,
    /// and the history of its refunds.
    func activity(of record: PaymentRecord) async throws -> PaymentActivity
}
