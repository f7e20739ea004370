import Foundation

/// Gathers the answers of polls for a short window and writes them with one
/// ``AttemptTransitions/applyBatch(_:machine:now:)``, so that polls of many attempts falling due
/// together cost one transaction instead of one each. Each waiter gets its own item's result.
///
/// The first item of a batch waits for the window, then applies whatever gathered meanwhile; an
/// item that fills the batch applies it at once. While a batch is written, the next one gathers.
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
    /// Which batch is gathering: a leader applies its batch only if nobody filled it meanwhile.
    private var batchNumber = 0
    private var nextTicket = 0
    /// Outcomes not yet taken by their waiters.
    private var outcomes: [Int: Outcome] = [:]
    private var waiters: [Int: CheckedContinuation<Outcome, Never>] = [:]
    /// Batches written (or tried), for tests and metrics.
    private(set) var batchesWritten = 0

    /// Creates a batcher.
    /// - Parameters:
    ///   - window: how long the first item of a batch waits for others.
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
        if gathering.count >= limit {
            await writeGathering()
        } else if gathering.count == 1 {
            let batch = batchNumber
            try? await Task.sleep(for: window)
            if batch == batchNumber {
                await writeGathering()
            }
        }
        if let outcome = outcomes.removeValue(forKey: ticket) {
            return outcome
        }
        return await withCheckedContinuation { continuation in
            waiters[ticket] = continuation
        }
    }

    /// Writes the batch gathering, while the next gathers, and hands each waiter its outcome.
    private func writeGathering() async {
        let batch = gathering
        gathering.removeAll()
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
