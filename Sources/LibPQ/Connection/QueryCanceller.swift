import CLibPQ
import Dispatch
import Synchronization

/// Sends cancel requests for a connection's running query from any thread.
///
/// libpq's `PGcancel` may be used from any thread while the connection itself is busy; the
/// mutex guards the handle and records which query is running, so a late cancellation never
/// reaches a later query: a request is sent only while the query it was meant for still runs,
/// and the query's end waits for a request in flight. (A request that arrives after the query
/// has finished finds the server reading the next command, and PostgreSQL ignores it there.)
final class QueryCanceller: Sendable {
    /// A `PGcancel` pointer.
    ///
    /// `@unchecked Sendable`: libpq documents `PGcancel` as safe to use from a thread other than
    /// the connection's; here it is created by the connection, then touched only under the mutex.
    struct Handle: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private struct State {
        var handle: Handle?
        var runningQuery: UInt64?
        var lastQuery: UInt64 = 0
    }

    private let state = Mutex(State())
    /// Sends the requests: a queue of its own, because `PQcancel` blocks while it connects.
    private let queue = DispatchQueue(label: "LibPQ.QueryCanceller")

    /// Adopts the cancel handle of a newly opened connection.
    func adopt(_ handle: Handle?) {
        state.withLock { state in
            if let old = state.handle {
                PQfreeCancel(old.pointer)
            }
            state.handle = handle
        }
    }

    /// Frees the cancel handle; later cancellations do nothing.
    func close() {
        adopt(nil)
    }

    /// Marks a query as running and returns its ticket for ``cancel(_:)``.
    func begin() -> UInt64 {
        state.withLock { state in
            state.lastQuery += 1
            state.runningQuery = state.lastQuery
            return state.lastQuery
        }
    }

    /// Marks the running query as finished.
    func end() {
        state.withLock { $0.runningQuery = nil }
    }

    /// Asks the server to cancel the query of `ticket` while it still runs. Returns at once; the
    /// requests (each a short connection of its own) are sent from the canceller's own queue.
    ///
    /// A request that reaches the server just before the query does is ignored there, so the
    /// request is repeated every quarter second until the query has ended.
    func cancel(_ ticket: UInt64) {
        queue.async { [self] in
            let stillRunning = state.withLock { state in
                guard state.runningQuery == ticket, let handle = state.handle else { return false }
                var errorBuffer = [CChar](repeating: 0, count: 256)
                _ = PQcancel(handle.pointer, &errorBuffer, Int32(errorBuffer.count))
                return true
            }
            if stillRunning {
                queue.asyncAfter(deadline: .now() + .milliseconds(250)) { [self] in
                    cancel(ticket)
                }
            }
        }
    }
}
