import CLibPQ
import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#endif

/// The thread that reads every connection's answers: one `epoll` set over the connections' sockets.
///
/// A connection sends a round trip's requests from the calling task without blocking (libpq's
/// non-blocking mode), then hands the connection to this thread with a ``ResultReader``. The
/// thread reads the answers as they arrive, flushing whatever libpq could not send at once, and
/// resumes the waiting task once, when the round trip's last result is in. Neither the task nor
/// a thread of its own sleeps in libpq, so a round trip costs one wake-up of this thread, shared
/// by every connection whose answer arrived meanwhile.
final class PostgresIOThread: Sendable {
    /// The process's I/O thread, started when first used.
    static let shared = PostgresIOThread()

    private let epoll: Int32
    /// A pthread mutex (not `Synchronization.Mutex`), whose hand-over ThreadSanitizer sees.
    private let reads = NIOLockedValueBox(Reads())

    /// The round trips being read, by the token their socket's registration carries.
    private struct Reads {
        var pending: [UInt64: PendingRead] = [:]
        var nextToken: UInt64 = 1
    }

    private init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        precondition(epoll >= 0, "epoll_create1 failed: errno \(errno)")
        let thread = Thread { [self] in run() }
        thread.name = "LibPQ.PostgresIOThread"
        thread.start()
    }

    /// Waits until `reader` has read its round trip's last result from `connection`, whose
    /// requests have been sent; `flushing` says that libpq still holds some of them to send.
    ///
    /// The connection belongs to this thread until the call returns: the caller must not touch it meanwhile.
    func read(_ reader: ResultReader, from connection: ConnectionHandle, flushing: Bool) async throws -> [RequestOutcome] {
        let socket = PQsocket(connection.pointer)
        guard socket >= 0 else {
            throw PostgresError(code: .connectionLost, connection: connection.pointer)
        }
        // The outcome travels through a lock rather than the continuation, so that ThreadSanitizer
        // sees everything this thread wrote (results, the connection's state) before the task reads it.
        let outcome = NIOLockedValueBox<Result<[RequestOutcome], PostgresError>?>(nil)
        await withUnsafeContinuation { continuation in
            let read = PendingRead(connection: connection, reader: reader, flushing: flushing, outcome: outcome, continuation: continuation)
            let token = reads.withLockedValue { reads in
                let token = reads.nextToken
                reads.nextToken += 1
                reads.pending[token] = read
                return token
            }
            let operation = connection.watchedSocket == socket ? EPOLL_CTL_MOD : EPOLL_CTL_ADD
            connection.watchedSocket = socket
            if !arm(read, socket: socket, token: token, operation: operation) {
                // The thread never sees this read: it is finished here.
                reads.withLockedValue { _ = $0.pending.removeValue(forKey: token) }
                read.finish(.failure(PostgresError(code: .connectionLost, clientMessage: "cannot watch the connection's socket")))
            }
        }
        guard let result = outcome.withLockedValue({ $0 }) else {
            throw PostgresError(code: .connectionLost, clientMessage: "the round trip ended without an outcome")
        }
        return try result.get()
    }

    /// Stops watching `socket` before the connection that owns it closes it.
    func forget(_ socket: Int32) {
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, socket, nil)
    }

    /// Asks epoll for one event on `socket`: readable, and writable while libpq holds requests to send.
    private func arm(_ read: PendingRead, socket: Int32, token: UInt64, operation: Int32) -> Bool {
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | EPOLLONESHOT.rawValue | (read.isFlushing ? EPOLLOUT.rawValue : 0)
        event.data.u64 = token
        return epoll_ctl(epoll, operation, socket, &event) == 0
    }

    /// Waits for sockets and advances their round trips, for the life of the process. The events
    /// are read into one buffer allocated for the loop: an array passed to `epoll_wait` while a
    /// slice of it was being read was copied on every wake-up, and each copy leaked (about 800
    /// bytes a round trip).
    private func run() {
        withUnsafeTemporaryAllocation(of: epoll_event.self, capacity: 64) { events in
            while true {
                wait(into: events)
            }
        }
    }

    /// Waits for the next events and handles them.
    private func wait(into events: UnsafeMutableBufferPointer<epoll_event>) {
        let count = epoll_wait(epoll, events.baseAddress, Int32(events.count), -1)
        guard count > 0 else {
            precondition(count == 0 || errno == EINTR, "epoll_wait failed: errno \(errno)")
            return
        }
        for event in events[..<Int(count)] {
            let token = event.data.u64
            guard let read = reads.withLockedValue({ $0.pending[token] }) else { continue }
            if let result = read.advance() {
                reads.withLockedValue { _ = $0.pending.removeValue(forKey: token) }
                read.finish(result)
            } else if !arm(read, socket: PQsocket(read.connection.pointer), token: token, operation: EPOLL_CTL_MOD) {
                reads.withLockedValue { _ = $0.pending.removeValue(forKey: token) }
                read.finish(.failure(PostgresError(code: .connectionLost, connection: read.connection.pointer)))
            }
        }
    }
}

/// A round trip the I/O thread reads: the connection, how far the reading got, and the task waiting for it.
///
/// `@unchecked Sendable`: it is used by one thread at a time. The task that sent the round trip
/// creates it, and hands it to the I/O thread through the thread's mutex before arming the socket;
/// from then on only the I/O thread touches it, until it resumes the task.
private final class PendingRead: @unchecked Sendable {
    let connection: ConnectionHandle
    private var reader: ResultReader
    private(set) var isFlushing: Bool
    private let outcome: NIOLockedValueBox<Result<[RequestOutcome], PostgresError>?>
    private let continuation: UnsafeContinuation<Void, Never>

    init(
        connection: ConnectionHandle, reader: ResultReader, flushing: Bool,
        outcome: NIOLockedValueBox<Result<[RequestOutcome], PostgresError>?>, continuation: UnsafeContinuation<Void, Never>
    ) {
        self.connection = connection
        self.reader = reader
        self.isFlushing = flushing
        self.outcome = outcome
        self.continuation = continuation
    }

    /// Sends what libpq still holds and reads what arrived; returns the round trip's outcomes once
    /// they are all in, or nil while more must arrive.
    func advance() -> Result<[RequestOutcome], PostgresError>? {
        let pointer = connection.pointer
        if isFlushing {
            let flushed = PQflush(pointer)
            guard flushed >= 0 else {
                return .failure(PostgresError(code: .connectionLost, connection: pointer))
            }
            isFlushing = flushed == 1
        }
        guard PQconsumeInput(pointer) == 1 else {
            return .failure(PostgresError(code: .connectionLost, connection: pointer))
        }
        return reader.read(from: pointer)
    }

    /// Hands the task its outcome and resumes it.
    func finish(_ result: Result<[RequestOutcome], PostgresError>) {
        outcome.withLockedValue { $0 = result }
        continuation.resume()
    }
}
