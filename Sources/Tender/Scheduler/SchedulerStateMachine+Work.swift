extension SchedulerStateMachine {
    /// Tasks in flight for the engine to start now.
    struct Work: Sendable, Hashable {
        /// Tasks to run each on its own.
        var tasks: [ReadyTask] = []
        /// Deadlines to fire together, in one transaction; empty when there are none.
        var deadlineBatch: [TaskClaim] = []
    }
}
