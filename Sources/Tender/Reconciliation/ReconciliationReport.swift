import Foundation

/// What a reconciliation found.
public struct ReconciliationReport: Sendable, Hashable, Codable {
    /// The start of the window: attempts submitted since then were checked.
    public var since: Date
    /// How many sessions were read from the gateway.
    public var checked: Int
    /// Sessions of attempts still waiting for their outcome: compared by amount, currency and
    /// refunds, not by status.
    public var inFlight: Int
    /// Every disagreement.
    public var mismatches: [ReconciliationMismatch]

    /// Creates a report.
    public init(since: Date, checked: Int, inFlight: Int, mismatches: [ReconciliationMismatch]) {
        self.since = since
        self.checked = checked
        self.inFlight = inFlight
        self.mismatches = mismatches
    }

    private enum CodingKeys: String, CodingKey {
        case since, checked
        case inFlight = "in_flight"
        case mismatches
    }
}
