import CLibPQ
import Dispatch
import NIOConcurrencyHelpers

/// Sends cancel requests for a connection's running query from any thread, without making the
/// cancelling task wait for them.
///
/// `PQcancel` opens a connection of its own and blocks until the server has the request, with no
/// timeout: on an unreachable host, for minutes. So the requests go out from the canceller's own
/// queue, outside the mutex, which guards only which query runs. A request is sent only while its
/// query still runs. One still on its way when the query ends could reach the connection's next
/// query, so the query's end waits a moment for it, and if it is
/// still on its way then, the connection is retired instead of reused (``end()``). (A request that
/// arrives after its query has finished otherwise finds the server reading the next command, and
/// PostgreSQL ignores it there.)
final class QueryCanceller: Sendable {
    /// A `PGcancel`, freed when the connection and every request using it have let go of it.
    ///
    /// `@unchecked Sendable`: libpq documents `PGcancel` as safe to use from a thread other than
    /// the connection's; its requests are sent one at a time, from the canceller's queue.
    final class Handle: @unchecked Sendable {
        let pointer: OpaquePointer

        init(_ pointer: OpaquePointer) {
            self.pointer = pointer
        }

        deinit {
            PQfreeCancel(pointer)
        }
    }

    private struct State {
        var handle: Handle?
        var runningQuery: UInt64?
        var lastQuery: UInt64 = 0
    }

    /// How long the end of a query waits for a cancel request on its way.
    static let requestWait = DispatchTimeInterval.seconds(1)

    private let state = NIOLockedValueBox(State())
    /// The requests on their way: entered under the mutex while their query runs.
    private let requestsOnTheirWay = DispatchGroup()
    /// Sends the requests, one after another; a request stuck on an unreachable host holds up only
    /// later requests for the same connection.
    private let queue = DispatchQueue(label: "LibPQ.QueryCanceller")

    /// Adopts the cancel handle of a newly opened connection.
    func adopt(_ handle: Handle?) {
        state.withLockedValue { $0.handle = handle }
    }

    /// Lets go of the cancel handle; later cancellations do nothing.
    func close() {
        adopt(nil)
    }

    /// Marks a query as running and returns its ticket for ``cancel(_:)``.
    func begin() -> UInt64 {
        state.withLockedValue { state in
            state.lastQuery += 1
            state.runningQuery = state.lastQuery
            return state.lastQuery
        }
    }

    /// Marks the running query as finished, waiting up to ``requestWait`` for a cancel request
    /// on its way. Returns false when one still is: the connection must not run another query,
    /// which the request could cancel. Without a request on its way it returns at once; the rare
    /// wait for one happens on a dispatch thread, never on the cooperative pool.
    func end() async -> Bool {
        state.withLockedValue { $0.runningQuery = nil }
        guard requestsOnTheirWay.wait(timeout: .now()) != .success else { return true }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async { [requestsOnTheirWay] in
                continuation.resume(returning: requestsOnTheirWay.wait(timeout: .now() + Self.requestWait) == .success)
            }
        }
    }

    /// Asks the server to cancel the query of `ticket` while it still runs. Returns at once.
    ///
    /// A request that reaches the server just before the query does is ignored there, so the
    /// request is repeated every quarter second until the query has ended.
    func cancel(_ ticket: UInt64) {
        let handle = state.withLockedValue { state -> Handle? in
            guard state.runningQuery == ticket, let handle = state.handle else { return nil }
            requestsOnTheirWay.enter()
            return handle
        }
        guard let handle else { return }
        queue.async { [self] in
            var errorBuffer = [CChar](repeating: 0, count: 256)
            _ = PQcancel(handle.pointer, &errorBuffer, Int32(errorBuffer.count))
            requestsOnTheirWay.leave()
            queue.asyncAfter(deadline: .now() + .milliseconds(250)) { [self] in
                cancel(ticket)
            }
        }
    }
}
