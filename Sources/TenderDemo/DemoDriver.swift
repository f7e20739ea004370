import Foundation
import Logging
import ServiceLifecycle
import Tender

/// The demo's order system, run as the last service of the group: it submits the planned
/// payments over a few seconds, follows the engine's events (acknowledging them, as a real
/// consumer would), shows progress, and returns when every payment has an outcome, when its
/// patience runs out, or when the group shuts down (Ctrl-C). Returning shuts the group down.
struct DemoDriver: Service {
    /// How the run ended.
    enum Ending: Sendable {
        case finished, timedOut, interrupted
    }

    /// The consumer name the demo acknowledges events under.
    static let consumer = "tender-demo"

    let engine: PaymentEngine
    let payments: [DemoPayment]
    let tracker: DemoTracker
    let progress: DemoProgress
    let patience: Duration
    let logger: Logger
    /// Returns once the gateway listens.
    let ready: @Sendable () async throws -> Void
    /// Receives how the run ended, with the final counts.
    let ended: @Sendable (Ending, DemoTracker.Snapshot) async -> Void

    func run() async throws {
        try await ready()
        await tracker.begin()
        let startedAt = await tracker.startedAt
        let ending = await withTaskGroup(of: Void.self) { group in
            group.addTask { await submitAll(startedAt: startedAt) }
            group.addTask { await followEvents() }
            let ending = await watch(startedAt: startedAt)
            group.cancelAll()
            return ending
        }
        let snapshot = await tracker.snapshot()
        progress.finish(snapshot)
        await ended(ending, snapshot)
    }

    /// Refreshes the progress display until the run ends one way or another.
    private func watch(startedAt: ContinuousClock.Instant) async -> Ending {
        let giveUpAt = startedAt + patience
        var lastPlain: TimeInterval = 0
        while true {
            if await tracker.isFinished { return .finished }
            if Task.isShuttingDownGracefully || Task.isCancelled { return .interrupted }
            if ContinuousClock.now >= giveUpAt { return .timedOut }
            progress.show(await tracker.snapshot(), lastPlain: &lastPlain)
            try? await Task.sleep(for: progress.refreshInterval)
        }
    }

    /// Submits each payment at its planned moment.
    private func submitAll(startedAt: ContinuousClock.Instant) async {
        for payment in payments {
            let due = startedAt + .microseconds(Int64(payment.offset * 1_000_000))
            do {
                try await Task.sleep(until: due)
            } catch {
                return
            }
            do {
                let result = try await engine.submit(
                    paymentID: payment.paymentID,
                    amount: Money(minorUnits: payment.amountMinorUnits, currency: .pln),
                    customer: Customer(email: payment.email, firstName: payment.firstName, lastName: payment.lastName),
                    code: BLIKCode(payment.code),
                    idempotencyKey: "\(payment.paymentID)-1"
                )
                await tracker.submitted(payment.paymentID, attempt: result.attempt)
            } catch {
                logger.warning("submission refused", metadata: ["payment_id": "\(payment.paymentID)", "error": "\(error)"])
                await tracker.rejected(payment.paymentID, reason: "\(error)")
            }
        }
    }

    /// Reads the outbox from where the demo's consumer left off and acknowledges each event.
    private func followEvents() async {
        do {
            let start = try await engine.acknowledged(consumer: Self.consumer)
            for try await event in engine.events(after: start) {
                await tracker.observed(event)
                try await engine.acknowledge(consumer: Self.consumer, upTo: event.sequence)
            }
        } catch is CancellationError {
            return
        } catch {
            if !Task.isCancelled {
                logger.warning("reading events failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
