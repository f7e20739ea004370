/// The outbox as an `AsyncSequence`: every event after a sequence number, in order, waiting for new
/// ones. Delivery is at least once; a consumer acknowledges through the engine and resumes from its
/// acknowledged sequence after a restart.
public struct OrderEventStream: AsyncSequence, Sendable {
    /// The element type.
    public typealias Element = OrderEvent

    let store: any PaymentStore
    let after: Int64
    /// How long to wait before looking again when there is nothing new.
    var idleWait: Duration = .milliseconds(200)

    /// Creates the iterator.
    public func makeAsyncIterator() -> Iterator {
        Iterator(store: store, position: after, idleWait: idleWait)
    }

    /// Reads the outbox in batches.
    public struct Iterator: AsyncIteratorProtocol {
        let store: any PaymentStore
        var position: Int64
        let idleWait: Duration
        var buffer: [OrderEvent] = []

        /// The next event; `nil` when the task is cancelled.
        public mutating func next() async throws -> OrderEvent? {
            while buffer.isEmpty {
                try Task.checkCancellation()
                buffer = try await store.events(after: position, limit: 500)
                if buffer.isEmpty {
                    try await Task.sleep(for: idleWait)
                }
            }
            let event = buffer.removeFirst()
            position = event.sequence
            return event
        }
    }
}
