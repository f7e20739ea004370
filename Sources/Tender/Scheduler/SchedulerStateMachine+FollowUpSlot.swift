extension SchedulerStateMachine {
    /// The call slot that follow-ups leased by a store write take.
    enum FollowUpSlot: Sendable, Hashable {
        /// The slot of the claimed task the write completes, handed on to its follow-up.
        case handedOn
        /// A free slot, reserved while the write runs.
        case reserved
    }
}
