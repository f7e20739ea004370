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
///
/// The thread is also a `TaskExecutor`. A task that prefers it runs here between its round trips:
/// the answer resumes it on this thread, with no second hop to a thread of the cooperative pool,
/// and the jobs it queues run after the thread's next look at the sockets. Such a task must not
/// block, as on any event loop: every connection's answers wait while it runs.
final class PostgresIOThread: Sendable {
    /// The process's I/O thread, started when first used.
    static let shared = PostgresIOThread()

    private let epoll: Int32
    /// An `eventfd` in the epoll set that wakes the thread for jobs enqueued from other threads.
    private let wakeUp: Int32
    /// A pthread mutex (not `Synchronization.Mutex`), whose hand-over ThreadSanitizer sees.
    private let reads = NIOLockedValueBox(Reads())
    private let jobs = NIOLockedValueBox(IOThreadJobQueue())
    /// The thread's id, once it runs.
    private let thread = NIOLockedValueBox<pthread_t?>(nil)

    /// The epoll token of ``wakeUp``; the round trips' tokens start at 1.
    private static let wakeUpToken: UInt64 = 0

    /// The round trips being read, by the token their socket's registration carries.
    private struct Reads {
        var pending: [UInt64: PendingRead] = [:]
        var nextToken: UInt64 = 1
    }

    private init() {
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        precondition(epoll >= 0, "epoll_create1 failed: errno \(errno)")
        wakeUp = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        precondition(wakeUp >= 0, "eventfd failed: errno \(errno)")
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.wakeUpToken
        precondition(epoll_ctl(epoll, EPOLL_CTL_ADD, wakeUp, &event) == 0, "epoll_ctl failed: errno \(errno)")
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

    /// Whether the caller runs on this thread (for tests).
    var isCurrent: Bool {
        thread.withLockedValue { $0.map { pthread_equal($0, pthread_self()) != 0 } ?? false }
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
        thread.withLockedValue { $0 = pthread_self() }
        withUnsafeTemporaryAllocation(of: epoll_event.self, capacity: 64) { events in
            var running: [UnownedJob] = []
            while true {
                wait(into: events)
                runJobs(in: &running)
            }
        }
    }

    /// Waits for the next events and handles them; only looks, without sleeping, while jobs are queued.
    private func wait(into events: UnsafeMutableBufferPointer<epoll_event>) {
        let sleeps = jobs.withLockedValue { $0.sleepsIfIdle() }
        let count = epoll_wait(epoll, events.baseAddress, Int32(events.count), sleeps ? -1 : 0)
        if sleeps {
            jobs.withLockedValue { $0.wokeUp() }
        }
        precondition(count >= 0 || errno == EINTR, "epoll_wait failed: errno \(errno)")
        for event in events[..<Int(max(count, 0))] {
            let token = event.data.u64
            guard token != Self.wakeUpToken else {
                var counter: UInt64 = 0
                _ = Glibc.read(wakeUp, &counter, MemoryLayout<UInt64>.size)
                continue
            }
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

    /// Runs the jobs queued so far; those they queue run after the next look at the sockets.
    private func runJobs(in running: inout [UnownedJob]) {
        jobs.withLockedValue { $0.take(into: &running) }
        for job in running {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
        running.removeAll(keepingCapacity: true)
    }
}

extension PostgresIOThread: TaskExecutor {
    /// Queues a job of a task that prefers this thread, and wakes the thread if it sleeps.
    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        if jobs.withLockedValue({ $0.enqueue(job) }) {
            var one: UInt64 = 1
            _ = Glibc.write(wakeUp, &one, MemoryLayout<UInt64>.size)
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
