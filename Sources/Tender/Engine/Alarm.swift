/// Lets a loop sleep until a time unless something rings it earlier.
actor Alarm {
    private var waiter: (id: UInt64, deadline: ContinuousClock.Instant, continuation: CheckedContinuation<Void, Never>)?
    private var lastID: UInt64 = 0
    private var rung = false
    private var timer = WakeUpTimer()

    /// Wakes the current sleeper, or the next one at once.
    func ring() {
        if let waiter {
            self.waiter = nil
            waiter.continuation.resume()
        } else {
            rung = true
        }
    }

    /// Sleeps for up to `duration`; returns early when rung or cancelled.
    func sleep(for duration: Duration) async {
        if rung {
            rung = false
            return
        }
        lastID += 1
        let id = lastID
        let deadline = ContinuousClock.now + duration
        timer.arm(by: deadline) { await self.timeOut($0) }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                waiter = (id, deadline, continuation)
            }
        } onCancel: {
            Task { await self.wake(id) }
        }
    }

    /// Wakes the sleeper whose deadline came; a sleeper with a later one gets a timer of its own.
    private func timeOut(_ fired: ContinuousClock.Instant) {
        guard timer.fired(fired), let waiter else { return }
        if waiter.deadline <= .now {
            wake(waiter.id)
        } else {
            timer.arm(by: waiter.deadline) { await self.timeOut($0) }
        }
    }

    private func wake(_ id: UInt64) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume()
    }
}
