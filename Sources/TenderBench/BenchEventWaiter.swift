import Foundation
import Tender
import TenderPostgres

/// Reads the outbox as the order system would, acknowledges what it read, and wakes whoever waits
/// for a payment's outcome. It reads when the store announces new events, not on a timer.
actor BenchEventWaiter {
    /// What an outcome event told.
    struct Outcome: Sendable {
        var event: OrderEvent
        /// When the event was read.
        var readAt: Date
    }

    private let store: PostgresPaymentStore
    private let consumer: String
    private var waiting: [PaymentID: CheckedContinuation<Outcome, Never>] = [:]
    private var arrived: [PaymentID: Outcome] = [:]
    private var position: Int64 = 0
    private var acknowledged: Int64 = 0
    private var acknowledgedAt = Date.distantPast
    /// How often the consumer's position is acknowledged, as a consumer checkpoints: every read
    /// would add a commit per read to the figures.
    private let checkpointInterval: TimeInterval = 0.1

    init(store: PostgresPaymentStore, consumer: String = "bench") {
        self.store = store
        self.consumer = consumer
    }

    /// Waits for the outcome of a payment.
    func outcome(of paymentID: PaymentID) async -> Outcome {
        if let outcome = arrived.removeValue(forKey: paymentID) {
            return outcome
        }
        return await withCheckedContinuation { waiting[paymentID] = $0 }
    }

    /// Reads events until cancelled, after every announcement of new ones (and every 100 ms, as a
    /// safety net for a missed announcement).
    func run() async {
        let doorbell = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let relay = Task { [store] in
            for await signal in store.signals() {
                if case .taskDue = signal { continue }
                doorbell.continuation.yield()
            }
        }
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(100))
                doorbell.continuation.yield()
            }
        }
        defer {
            relay.cancel()
            ticker.cancel()
        }
        for await _ in doorbell.stream {
            if Task.isCancelled { break }
            do {
                while try await drain() {}
            } catch  where !Task.isCancelled {
                benchLogger.warning("reading events failed", metadata: ["error": "\(error)"])
            } catch {
                break
            }
        }
    }

    /// Reads one batch and acknowledges what was read when a checkpoint is due; returns whether
    /// the batch was full.
    private func drain() async throws -> Bool {
        let events = try await store.events(after: position, limit: 1000)
        let readAt = Date()
        for event in events where event.type != .awaitingConfirmation {
            let outcome = Outcome(event: event, readAt: readAt)
            if let continuation = waiting.removeValue(forKey: event.paymentID) {
                continuation.resume(returning: outcome)
            } else {
                arrived[event.paymentID] = outcome
            }
        }
        position = events.last?.sequence ?? position
        try await checkpoint(at: readAt)
        return events.count == 1000
    }

    /// Acknowledges the position read when the last acknowledgement is a checkpoint interval old.
    private func checkpoint(at now: Date) async throws {
        guard position > acknowledged, now.timeIntervalSince(acknowledgedAt) >= checkpointInterval else { return }
        try await store.acknowledge(consumer: consumer, upTo: position, now: now)
        acknowledged = position
        acknowledgedAt = now
    }
}
