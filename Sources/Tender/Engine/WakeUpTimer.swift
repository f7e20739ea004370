/// One timer for the earliest of the deadlines an actor waits for, kept while later ones come and
/// go. ``Alarm`` and ``OutboxBell`` wait with a timeout many times a second and are mostly woken
/// before it; a timer is a task, a timer registered with the dispatch queue and a thread woken
/// when it lapses, so a wait starts one only when its deadline falls before the pending one.
struct WakeUpTimer {
    private var pending: (deadline: ContinuousClock.Instant, task: Task<Void, Never>)?

    /// Makes sure a timer fires at `deadline` or before; `fire` is called with the deadline of
    /// the timer that fired, and should pass it to ``fired(_:)``.
    mutating func arm(by deadline: ContinuousClock.Instant, _ fire: @escaping @Sendable (ContinuousClock.Instant) async -> Void) {
        if let pending, pending.deadline <= deadline {
            return
        }
        pending?.task.cancel()
        pending = (
            deadline,
            Task {
                guard (try? await Task.sleep(until: deadline, clock: .continuous)) != nil else { return }
                await fire(deadline)
            }
        )
    }

    /// Whether the timer of `deadline` is the pending one, which is pending no more.
    mutating func fired(_ deadline: ContinuousClock.Instant) -> Bool {
        guard pending?.deadline == deadline else { return false }
        pending = nil
        return true
    }
}
