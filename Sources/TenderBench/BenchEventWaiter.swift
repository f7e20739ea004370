import Foundation
import Tender

/// Reads the outbox as an order system that embeds the engine does, through the engine's
/// ``PaymentEngine/events(after:limit:waitingUpTo:)``, acknowledges what it read, and wakes
/// whoever waits for a payment's outcome. The engine wakes it when its transitions append events
/// (and when its listener hears that another process did), not on a timer.
actor BenchEventWaiter {
    /// What an outcome event told.
    struct Outcome: Sendable {
        var event: OrderEvent
        /// When the event was read.
        var readAt: Date
    }

    private let engine: PaymentEngine
    private let consumer: String
    private var waiting: [PaymentID: CheckedContinuation<Outcome, Never>] = [:]
    private var arrived: [PaymentID: Outcome] = [:]
    private var position: Int64 = 0
    private var acknowledged: Int64 = 0
    private var acknowledgedAt = Date.distantPast
    /// How often the consumer's position is acknowledged, as a consumer checkpoints: every read
    /// would add a commit per read to the figures.
    private let checkpointInterval: TimeInterval = 0.1

    init(engine: PaymentEngine, consumer: String = "bench") {
        self.engine = engine
        self.consumer = consumer
    }

    /// Waits for the outcome of a payment.
    func outcome(of paymentID: PaymentID) async -> Outcome {
        if let outcome = arrived.removeValue(forKey: paymentID) {
            return outcome
        }
        return await withCheckedContinuation { waiting[paymentID] = $0 }
    }

    /// Reads events until cancelled.
    func run() async {
        while !Task.isCancelled {
            do {
                let events = try await engine.events(after: position, limit: 1000, waitingUpTo: .seconds(1))
                deliver(events)
                try await checkpoint(at: Date())
            } catch  where !Task.isCancelled {
                benchLogger.warning("reading events failed", metadata: ["error": "\(error)"])
            } catch {
                break
            }
        }
    }

    /// Hands the outcomes among `events` to their waiters, or keeps them for waiters to come.
    private func deliver(_ events: [OrderEvent]) {
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
    }

    /// Acknowledges the position read when the last acknowledgement is a checkpoint interval old.
    private func checkpoint(at now: Date) async throws {
        guard position > acknowledged, now.timeIntervalSince(acknowledgedAt) >= checkpointInterval else { return }
        try await engine.acknowledge(consumer: consumer, upTo: position)
        acknowledged = position
        acknowledgedAt = now
    }
}
