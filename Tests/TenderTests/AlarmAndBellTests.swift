import Testing

@testable import Tender

/// The engine's loop sleeps on an ``Alarm`` and readers of events wait on an ``OutboxBell``, both
/// with timeouts served by one ``WakeUpTimer``. Each test waits for a condition; none measures time.
@Suite("Alarm and outbox bell", .timeLimit(.minutes(1)))
struct AlarmAndBellTests {
    @Test("a sleep ends by itself, with a timer of its own or the one an earlier sleep left")
    func sleepsEndByThemselves() async {
        let alarm = Alarm()
        await alarm.sleep(for: .milliseconds(1))
        // Each sleep below comes twice: a ring that came after the sleeper before it woke ends
        // the first at once.
        // Rung early, an hour's sleep leaves its timer pending; a shorter sleep sets one of its own.
        await Self.ringUntilDone(alarm, Task { await alarm.sleep(for: .seconds(3600)) })
        await alarm.sleep(for: .milliseconds(5))
        await alarm.sleep(for: .milliseconds(5))
        // Rung early, a short sleep leaves its timer pending; a longer sleep relies on it, and it
        // is set again for the longer sleep's deadline when it fires first.
        await Self.ringUntilDone(alarm, Task { await alarm.sleep(for: .milliseconds(20)) })
        await alarm.sleep(for: .milliseconds(50))
        await alarm.sleep(for: .milliseconds(50))
    }

    @Test("a ring before a sleep ends that sleep at once")
    func ringBeforeSleep() async {
        let alarm = Alarm()
        await alarm.ring()
        await alarm.sleep(for: .seconds(3600))
    }

    @Test("cancelling a sleeper wakes it")
    func cancellationWakes() async {
        let alarm = Alarm()
        let sleeper = Task { await alarm.sleep(for: .seconds(3600)) }
        sleeper.cancel()
        await sleeper.value
    }

    @Test("waiters with different timeouts each time out, a ring wakes the rest, and a missed ring is not waited for")
    func bellWaiters() async {
        let bell = OutboxBell()
        let generation = await bell.generation
        let long = Task { await bell.wait(after: generation, atMost: .seconds(3600)) }
        let short = Task { await bell.wait(after: generation, atMost: .milliseconds(5)) }
        let shorter = Task { await bell.wait(after: generation, atMost: .milliseconds(1)) }
        await shorter.value
        await short.value
        await bell.ring()
        await long.value
        // A reader whose generation is old returns at once.
        await bell.wait(after: generation, atMost: .seconds(3600))
    }

    /// Rings `alarm` until `sleeper`, which may not have started sleeping yet, has returned.
    private static func ringUntilDone(_ alarm: Alarm, _ sleeper: Task<Void, Never>) async {
        let done = Task {
            await sleeper.value
            return true
        }
        let ringer = Task {
            while !Task.isCancelled {
                await alarm.ring()
                await Task.yield()
            }
        }
        _ = await done.value
        ringer.cancel()
        await ringer.value
    }
}
