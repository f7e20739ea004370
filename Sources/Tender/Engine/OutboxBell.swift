/// Wakes the readers of the outbox when events may have been appended: rung by this process's
/// transitions that append events and by the store's notification that another process did.
///
/// A reader takes the ``generation`` before it reads the outbox and, finding nothing new, waits
/// for a ring after that generation, so a ring between its read and its wait is not missed.
actor OutboxBell {
    /// How many times the bell has rung.
    private(set) var generation: UInt64 = 0
    private var waiters: [UInt64: (deadline: ContinuousClock.Instant, continuation: CheckedContinuation<Void, Never>)] = [:]
    private var lastWaiter: UInt64 = 0
    private var timer = WakeUpTimer()

    /// Wakes every waiter.
    func ring() {
        generation &+= 1
        let woken = waiters.values
        waiters.removeAll()
        for waiter in woken {
            waiter.continuation.resume()
        }
    }

    /// Returns once the bell has rung after `generation`, `timeout` has passed, or the task is
    /// cancelled, whichever comes first.
    func wait(after generation: UInt64, atMost timeout: Duration) async {
        guard generation == self.generation, !Task.isCancelled else { return }
        lastWaiter += 1
        let id = lastWaiter
        let deadline = ContinuousClock.now + timeout
        timer.arm(by: deadline) { await self.timeOut($0) }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters[id] = (deadline, continuation)
            }
        } onCancel: {
            Task { await self.release(id) }
        }
    }

    /// Releases the waiters whose deadline came; the timer is set again for the next one.
    private func timeOut(_ fired: ContinuousClock.Instant) {
        guard timer.fired(fired) else { return }
        let now = ContinuousClock.now
        for (id, waiter) in waiters where waiter.deadline <= now {
            release(id)
        }
        if let next = waiters.values.map(\.deadline).min() {
            timer.arm(by: next) { await self.timeOut($0) }
        }
    }

    private func release(_ id: UInt64) {
        waiters.removeValue(forKey: id)?.continuation.resume()
    }
}
