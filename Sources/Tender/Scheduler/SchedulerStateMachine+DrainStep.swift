extension SchedulerStateMachine {
    /// A step of draining after a shutdown was requested.
    enum DrainStep: Sendable, Hashable {
        /// Give back these follow-ups (the store releases them for another worker), then wait a
        /// little, or until a task finishes, and ask again.
        case wait(releasing: [TaskClaim])
        /// Nothing is in flight: the loop is done.
        case finished
    }
}
