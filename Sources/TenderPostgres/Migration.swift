/// One numbered schema change from `sql/`, embedded in the library.
public struct Migration: Sendable, Hashable {
    /// The number in the file name; migrations apply in this order.
    public let version: Int
    /// The file name.
    public let name: String
    /// The SQL script.
    public let sql: String

    /// Every migration Tender knows, in order. A new file in `sql/` is added here too; a test
    /// checks that the list and the directory agree.
    public static let all: [Migration] = [
        Migration(version: 1, name: "0001_schema.sql", bytes: PackageResources._001_schema_sql),
        Migration(version: 2, name: "0002_poll_budget.sql", bytes: PackageResources._002_poll_budget_sql),
        Migration(version: 3, name: "0003_retention.sql", bytes: PackageResources._003_retention_sql),
        Migration(version: 4, name: "0004_refunds.sql", bytes: PackageResources._004_refunds_sql),
        Migration(version: 5, name: "0005_canceled.sql", bytes: PackageResources._005_canceled_sql),
        Migration(version: 6, name: "0006_payment_listing.sql", bytes: PackageResources._006_payment_listing_sql),
        Migration(version: 7, name: "0007_outbox_events.sql", bytes: PackageResources._007_outbox_events_sql),
        Migration(version: 8, name: "0008_operator_reads.sql", bytes: PackageResources._008_operator_reads_sql),
        Migration(version: 9, name: "0009_trace_context.sql", bytes: PackageResources._009_trace_context_sql),
        Migration(version: 10, name: "0010_quiet_polls.sql", bytes: PackageResources._010_quiet_polls_sql),
        Migration(version: 11, name: "0011_deadline_claims.sql", bytes: PackageResources._011_deadline_claims_sql),
        Migration(version: 12, name: "0012_transition_guards.sql", bytes: PackageResources._012_transition_guards_sql),
    ]

    private init(version: Int, name: String, bytes: [UInt8]) {
        self.version = version
        self.name = name
        self.sql = String(decoding: bytes, as: UTF8.self)
    }
}
