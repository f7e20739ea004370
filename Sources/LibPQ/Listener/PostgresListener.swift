import Foundation
import Logging

/// Receives `LISTEN`/`NOTIFY` notifications on a dedicated connection.
///
/// Each call of ``events()`` opens its own connection on a thread of its own, which waits on the
/// socket in short slices. When the connection is lost the listener reconnects with backoff,
/// listens again and reports ``PostgresListenerEvent/listening`` once more. Ending the iteration
/// (for example by cancelling the iterating task) closes the connection.
public struct PostgresListener: Sendable {
    private let configuration: PostgresConfiguration
    private let channels: [String]
    private let logger: Logger

    /// A listener for `channels` (names as written in `NOTIFY`, case-sensitive).
    public init(configuration: PostgresConfiguration, channels: [String], logger: Logger) {
        self.configuration = configuration
        self.channels = channels
        self.logger = logger
    }

    /// Starts listening; the sequence first yields ``PostgresListenerEvent/listening``, then
    /// the notifications, and never ends by itself.
    public func events() -> AsyncStream<PostgresListenerEvent> {
        events { $0 }
    }

    /// Starts listening, as ``events()``, and yields what `transform` makes of each event, leaving
    /// out those it answers nil to. `transform` runs on the listener's thread, so a reader that
    /// wants its own values gets them without a task that relays them from one sequence to another.
    public func events<Element: Sendable>(_ transform: @escaping @Sendable (PostgresListenerEvent) -> Element?) -> AsyncStream<Element> {
        let (stream, continuation) = AsyncStream.makeStream(of: Element.self)
        let session = ListenSession(
            configuration: configuration,
            channels: channels,
            logger: logger,
            deliver: { event in
                if let element = transform(event) {
                    continuation.yield(element)
                }
            },
            finish: { continuation.finish() }
        )
        continuation.onTermination = { _ in session.stop() }
        let thread = Thread { session.run() }
        thread.name = "LibPQ.PostgresListener"
        thread.start()
        return stream
    }
}
