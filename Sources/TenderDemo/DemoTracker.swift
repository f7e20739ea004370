import Foundation
import Tender

/// What the demo's "order system" knows: which payments it submitted and the latest state the
/// engine's events reported for each.
actor DemoTracker {
    /// Counts for the progress line.
    struct Snapshot: Sendable {
        var planned: Int
        var submitted: Int
        var byState: [AttemptState: Int]
        var rejected: Int
        var elapsed: TimeInterval

        /// Payments whose attempt reached completed, expired or failed, or that were refused.
        var finished: Int {
            rejected + [AttemptState.completed, .expired, .failed].reduce(0) { $0 + byState[$1, default: 0] }
        }
    }

    let plannedIDs: Set<PaymentID>
    var planned: Int { plannedIDs.count }
    /// When the first submission was due; ``begin()`` sets it.
    private(set) var startedAt = ContinuousClock.now
    private(set) var attempts: [PaymentID: AttemptID] = [:]
    private var states: [PaymentID: AttemptState] = [:]
    /// Payments the engine refused at submission, with the reason.
    private(set) var rejections: [PaymentID: String] = [:]

    init(planned: [PaymentID]) {
        self.plannedIDs = Set(planned)
    }

    /// Starts the clock: submissions are planned relative to now.
    func begin() {
        startedAt = .now
    }

    func submitted(_ paymentID: PaymentID, attempt: Attempt) {
        attempts[paymentID] = attempt.id
        update(paymentID, to: attempt.state)
    }

    func rejected(_ paymentID: PaymentID, reason: String) {
        rejections[paymentID] = reason
    }

    /// Takes an event's state unless the payment's state is already further on; events of other
    /// runs sharing the database are ignored.
    func observed(_ event: OrderEvent) {
        guard plannedIDs.contains(event.paymentID) else { return }
        update(event.paymentID, to: event.state)
    }

    func snapshot() -> Snapshot {
        var byState: [AttemptState: Int] = [:]
        for state in states.values { byState[state, default: 0] += 1 }
        return Snapshot(
            planned: planned, submitted: attempts.count, byState: byState, rejected: rejections.count,
            elapsed: (ContinuousClock.now - startedAt).timeInterval
        )
    }

    /// Whether every planned payment has an outcome.
    var isFinished: Bool { snapshot().finished >= planned }

    private func update(_ paymentID: PaymentID, to state: AttemptState) {
        if let known = states[paymentID], known.rank >= state.rank { return }
        states[paymentID] = state
    }
}
