import CLibPQ

/// Owns one `PGconn` and closes it when released.
final class ConnectionHandle {
    /// The libpq connection.
    let pointer: OpaquePointer

    init(taking pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        PQfinish(pointer)
    }
}
