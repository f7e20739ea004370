import CLibPQ

/// Owns one `PGconn` and closes it when released.
///
/// `@unchecked Sendable`: libpq lets a connection be used from any thread, one thread at a time.
/// Its ``PostgresConnection`` uses it, except while a round trip is being read, when only the
/// ``PostgresIOThread`` does; the hand-over goes through that thread's mutex and the waiting
/// task's continuation.
final class ConnectionHandle: @unchecked Sendable {
    /// The libpq connection.
    let pointer: OpaquePointer
    /// The socket the I/O thread watches for this connection, once it has read from it.
    var watchedSocket: Int32 = -1
    private let ioThread: PostgresIOThread?

    /// Takes ownership of `pointer`; `ioThread` is the thread that will read its round trips, if any.
    init(taking pointer: OpaquePointer, ioThread: PostgresIOThread? = nil) {
        self.pointer = pointer
        self.ioThread = ioThread
    }

    deinit {
        // A socket libpq closed already (after a lost connection) left the epoll set with it; its
        // number may belong to another connection by now.
        if let ioThread, watchedSocket >= 0, PQsocket(pointer) == watchedSocket {
            ioThread.forget(watchedSocket)
        }
        PQfinish(pointer)
    }
}
