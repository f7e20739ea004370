import Foundation
import Synchronization
import Testing

@testable import Tender

/// A batcher whose window never ends within a test: what it writes early, it writes for a reason.
@Suite("Poll batcher", .timeLimit(.minutes(1)))
struct PollBatcherTests {
    /// The items of each batch written, in order.
    final class Writes: Sendable {
        private let batches = Mutex<[[AttemptID]]>([])

        var written: [[AttemptID]] { batches.withLock { $0 } }

        /// Records the batch and refuses each item (the outcome does not matter here).
        func write(_ items: [BatchInput]) -> [Result<Transition, StoreError>] {
            batches.withLock { $0.append(items.map(\.attemptID)) }
            return items.map { _ in .failure(StoreError(.notFound, "not under test")) }
        }
    }

    func batcher(_ writes: Writes) -> PollBatcher {
        PollBatcher(window: .seconds(3_600), limit: 100) { writes.write($0) }
    }

    func item(_ id: AttemptID) -> BatchInput {
        BatchInput(input: .deadlineReached, attemptID: id)
    }

    /// Waits until `count` items are gathering.
    func gathered(_ count: Int, in batcher: PollBatcher) async {
        while await batcher.gatheringCount < count {
            await Task.yield()
        }
    }

    @Test("expediting an attempt whose answer is gathering writes the batch at once, with the others")
    func expediteWhileGathering() async throws {
        let writes = Writes()
        let batcher = batcher(writes)
        let (a, b) = (AttemptID(), AttemptID())
        async let first = batcher.apply(item(a))
        async let second = batcher.apply(item(b))
        await gathered(2, in: batcher)
        await batcher.expedite(b)
        _ = await (first, second)
        #expect(writes.written.map(Set.init) == [[a, b]])
    }

    @Test("an attempt expedited before its answer comes has it written at once when it does")
    func expediteBeforeTheAnswer() async throws {
        let writes = Writes()
        let batcher = batcher(writes)
        let a = AttemptID()
        await batcher.expedite(a)
        _ = await batcher.apply(item(a))
        #expect(writes.written == [[a]])
    }

    @Test("a batch written when its window ends is written by a task that is not cancelled")
    func windowEndWritesUncancelled() async throws {
        let cancelled = Mutex<[Bool]>([])
        let batcher = PollBatcher(window: .milliseconds(1), limit: 100) { items in
            cancelled.withLock { $0.append(Task.isCancelled) }
            return items.map { _ in .failure(StoreError(.notFound, "not under test")) }
        }
        _ = await batcher.apply(item(AttemptID()))
        #expect(cancelled.withLock { $0 } == [false])
    }

    @Test("an expedited attempt is forgotten once a batch is written")
    func expeditedOnceOnly() async throws {
        let writes = Writes()
        let batcher = batcher(writes)
        let (a, b) = (AttemptID(), AttemptID())
        await batcher.expedite(a)
        await batcher.expedite(b)
        _ = await batcher.apply(item(a))
        async let late = batcher.apply(item(b))
        await gathered(1, in: batcher)
        #expect(writes.written == [[a]], "b's answer gathers: the batch written forgot b")
        await batcher.expedite(b)
        _ = await late
        #expect(writes.written == [[a], [b]])
    }
}
