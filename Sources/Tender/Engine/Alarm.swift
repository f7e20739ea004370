/// Lets a loop sleep until a time unless something rings it earlier.
actor Alarm {
    private var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
    private var lastID: UInt64 = 0
    private var rung = false

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
        let timer = Task {
            try? await Task.sleep(for: duration)
            self.timeOut(id)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                waiter = (id, continuation)
            }
        } onCancel: {
            Task { await self.timeOut(id) }
        }
        timer.cancel()
    }

    private func timeOut(_ id: UInt64) {
        guard let waiter, waiter.id == id else { return }
        self.waiter = nil
        waiter.continuation.resume()
    }
}
