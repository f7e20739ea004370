import Foundation

extension SchedulerStateMachine {
    /// What the engine's loop is to do next.
    enum Action: Sendable, Hashable {
        /// Start these tasks.
        case start(Work)
        /// Sweep the store for due times the heap does not know, first recovering lapsed leases
        /// when `recoverLeases`; then report ``SchedulerStateMachine/swept(_:loadedUntil:now:)``
        /// or ``SchedulerStateMachine/sweepFailed(now:)``.
        case sweep(recoverLeases: Bool)
        /// Claim up to `limit` due tasks that make gateway calls, of which at most `polls` polls,
        /// and up to `deadlines` due deadlines; then report ``SchedulerStateMachine/claimed(_:)``
        /// or ``SchedulerStateMachine/claimFailed()``.
        case claim(limit: Int, polls: Int, deadlines: Int)
        /// Sleep until this time unless woken earlier (a call finished, a task fell due, a
        /// follow-up was leased, a shutdown was requested).
        case sleep(until: Date)
        /// Stop firing tasks and drain: follow ``SchedulerStateMachine/nextDrainStep()``.
        case drain
    }
}
