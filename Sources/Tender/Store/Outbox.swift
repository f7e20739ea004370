import Foundation

/// The events for the order system, in order, with an acknowledgement cursor per consumer.
public protocol Outbox: Sendable {
    /// Outbox events after a sequence number, in order.
    func events(after sequence: Int64, limit: Int) async throws -> [OrderEvent]

    /// Records that `consumer` has handled every event up to `sequence`.
    func acknowledge(consumer: String, upTo sequence: Int64, now: Date) async throws

    /// The last sequence number `consumer` acknowledged (0 when none).
    func acknowledged(consumer: String) async throws -> Int64
}
