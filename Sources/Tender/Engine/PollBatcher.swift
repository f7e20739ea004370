import Foundation

/// Gathers the answers of polls for a short window and writes them with one
/// ``AttemptTransitions/applyBatch(_:machine:now:)``, so that polls of many attempts falling due
/// together cost one transaction instead of one each. Each waiter gets its own item's result.
///
/// The first item of a batch starts the window, at the end of which whatever gathered is applied;
/// an item that fills the batch applies it at once, and so does an item of an expedited attempt.
/// Every item's waiter is answered when its batch is written. While a batch is written, the next
/// one gathers.
actor PollBatcher {
    /// What became of an item.
    enum Outcome: Sendable {
        /// The batch was written: the item's own transition, or the refusal of it alone (a lost
        /// lease, an unknown attempt).
        case applied(Result<Transition, StoreError>)
        /// The batch failed as a whole and wrote nothing: apply the item alone.
        case batchFailed(any Error)
    }

    /// Writes a batch: one result per item, in order.
    typealias Write = @Sendable ([BatchInput]) async throws -> [Result<Transition, StoreError>]

    private let window: Duration
    private let limit: Int
    private let write: Write
    /// The items gathering, each under its ticket.
    private var gathering: [(ticket: Int, item: BatchInput)] = []
    /// Which batch is gathering: a window's end applies its batch only if nobody wrote it meanwhile.
    private var batchNumber = 0
    /// Ends the gathering batch's window; cancelled when the batch is written before.
    private var windowTimer: Task<Void, Never>?
    private var nextTicket = 0
    /// Attempts whose item is to be written at once when it comes, until the next batch is written.
    private var expedited: Set<AttemptID> = []
    /// Outcomes not yet taken by their waiters.
    private var outcomes: [Int: Outcome] = [:]
    private var waiters: [Int: CheckedContinuation<Outcome, Never>] = [:]
    /// Batches written (or tried), for tests and metrics.
    private(set) var batchesWritten = 0

    /// Creates a batcher.
    /// - Parameters:
    ///   - window: how long a batch gathers from its first item.
    ///   - limit: the most items in a batch; a batch this full is applied at once.
    ///   - write: writes a batch.
    init(window: Duration, limit: Int, write: @escaping Write) {
        self.window = window
        self.limit = max(1, limit)
        self.write = write
    }

    /// Adds `item` to the batch gathering and waits for the batch to be written.
    func apply(_ item: BatchInput) async -> Outcome {
        let ticket = nextTicket
        nextTicket += 1
        gathering.append((ticket, item))
        if gathering.count >= limit || expedited.contains(item.attemptID) {
            await writeGathering()
        } else if gathering.count == 1 {
            startWindow(of: batchNumber, lasting: window)
        }
        if let outcome = outcomes.removeValue(forKey: ticket) {
            return outcome
        }
        return await withCheckedContinuation { continuation in
            waiters[ticket] = continuation
        }
    }

    /// Ends the window of the batch gathering now when it holds an item of `attemptID`, or else
    /// writes the batch of that attempt's item as soon as the item comes: a webhook's fetch of an
    /// attempt waits for the answer of its poll in flight to be written. Forgotten once any batch
    /// is written. Returns without waiting for the write.
    func expedite(_ attemptID: AttemptID) {
        guard gathering.contains(where: { $0.item.attemptID == attemptID }) else {
            expedited.insert(attemptID)
            return
        }
        windowTimer?.cancel()
        startWindow(of: batchNumber, lasting: .zero)
    }

    /// Starts the window of batch `batch`, at whose end the batch is written. A window cancelled
    /// (its batch written, or its end brought forward) writes nothing.
    private func startWindow(of batch: Int, lasting window: Duration) {
        windowTimer = Task {
            guard (try? await Task.sleep(for: window)) != nil else { return }
            await windowEnded(batch)
        }
    }

    /// The window of batch `batch` ended: writes it, unless it was written already. The write runs
    /// in the window's own task, which it must not cancel.
    private func windowEnded(_ batch: Int) async {
        guard batch == batchNumber else { return }
        windowTimer = nil
        await writeGathering()
    }

    /// How many items are gathering.
    var gatheringCount: Int { gathering.count }

    /// Writes the batch gathering, while the next gathers, and hands each waiter its outcome.
    private func writeGathering() async {
        let batch = gathering
        gathering.removeAll()
        expedited.removeAll()
        windowTimer?.cancel()
        windowTimer = nil
        batchNumber += 1
        batchesWritten += 1
        var results: [Outcome]
        var failure: (any Error)?
        do {
            results = try await write(batch.map(\.item)).map(Outcome.applied)
        } catch {
            results = []
            failure = error
        }
        if results.count != batch.count {
            results = Array(
                repeating: .batchFailed(failure ?? StoreError(.notFound, "the batch answered \(results.count) of \(batch.count) items")),
                count: batch.count)
        }
        for ((ticket, _), outcome) in zip(batch, results) {
            if let waiter = waiters.removeValue(forKey: ticket) {
                waiter.resume(returning: outcome)
            } else {
                outcomes[ticket] = outcome
            }
        }
    }
}
