/// The outbox as an `AsyncSequence`: every event after a sequence number, in order, waiting for new
/// ones. Delivery is at least once; a consumer acknowledges through the engine and resumes from its
/// acknowledged sequence after a restart.
///
/// A waiting stream is woken by the engine's ``OutboxBell``: at once for events this process
/// appends, and through the store's notification for those of other processes while the engine
/// runs. It looks again after ``PaymentEngine/outboxRecheckInterval`` in any case, so an engine
/// that does not run (and so does not listen) still delivers.
public struct OrderEventStream: AsyncSequence, Sendable {
    /// The element type.
    public typealias Element = OrderEvent

    let engine: PaymentEngine
    let after: Int64

    /// Creates the iterator.
    public func makeAsyncIterator() -> Iterator {
        Iterator(engine: engine, position: after)
    }

    /// Reads the outbox in batches.
    public struct Iterator: AsyncIteratorProtocol {
        let engine: PaymentEngine
        var position: Int64
        var buffer: [OrderEvent] = []

        /// The next event; throws `CancellationError` when the task is cancelled.
        public mutating func next() async throws -> OrderEvent? {
            while buffer.isEmpty {
                try Task.checkCancellation()
                buffer = try await engine.events(after: position, limit: 500, waitingUpTo: .seconds(3600))
            }
            let event = buffer.removeFirst()
            position = event.sequence
            return event
        }
    }
}
