import Foundation

extension SchedulerStateMachine {
    /// What the engine's loop is to do next.
    enum Action: Sendable, Hashable {
        /// Start these tasks, each on its own.
        case start([ReadyTask])
        /// Start a sweep of the store for due times the heap does not know, first recovering
        /// lapsed leases when `recoverLeases`; when it ends, report
        /// ``SchedulerStateMachine/swept(_:loadedUntil:now:)`` or
        /// ``SchedulerStateMachine/sweepFailed(now:)``. No other sweep is asked for meanwhile.
        case sweep(recoverLeases: Bool)
        /// Claim up to `limit` due tasks that make gateway calls, of which at most `polls` polls;
        /// then report ``SchedulerStateMachine/claimed(_:)`` or ``SchedulerStateMachine/claimFailed()``.
        case claim(limit: Int, polls: Int)
        /// Start a deadline batch that claims up to `limit` due deadlines and fires them in one
        /// transaction; when it ends, report ``SchedulerStateMachine/deadlinesFired(_:limit:)``.
        case fireDeadlines(limit: Int)
        /// Sleep until this time unless woken earlier (a call finished, a task fell due, a
        /// follow-up was leased, a shutdown was requested).
        case sleep(until: Date)
        /// Stop firing tasks and drain: follow ``SchedulerStateMachine/nextDrainStep()``.
        case drain
    }
}
