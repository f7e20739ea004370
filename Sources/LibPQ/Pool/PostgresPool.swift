import Logging

/// A bounded pool of connections shared by many tasks.
///
/// At most `size` connections are open. ``withConnection(_:)`` lends one to a closure; when none
/// is free, callers wait in FIFO order for at most `acquireTimeout`, then fail with
/// ``PostgresError/Code/timeout``. A connection returned broken, or inside a transaction, is closed
/// and replaced when next needed; one that comes back lost also takes the idle connections with
/// it, since they went to the same server. One that sat idle longer than `healthCheckAfterIdle` is
/// checked with `SELECT 1` before it is lent again. While the database cannot be reached, callers fail
/// fast with ``PostgresError/Code/connectionFailed`` and new connections are tried after an
/// exponential backoff, so the pool reconnects by itself once the database is back.
public actor PostgresPool {
    private struct IdleConnection {
        let connection: PostgresConnection
        let since: ContinuousClock.Instant
    }

    /// What a waiter is handed: a free connection, or the right to open a new one.
    private enum Lease: Sendable {
        case connection(PostgresConnection, idleSince: ContinuousClock.Instant?)
        case slot
    }

    private struct Waiter {
        let id: UInt64
        let deadline: ContinuousClock.Instant
        let continuation: CheckedContinuation<Lease, any Error>
    }

    /// Where the pool connects.
    public nonisolated let configuration: PostgresConfiguration

    /// The thread that reads every connection's answers, as an executor: a task that prefers it
    /// (`withTaskExecutorPreference(_:operation:)`) runs on that thread between its round trips,
    /// so an answer resumes it without waking a thread of the cooperative pool. Such a task must
    /// not block: every connection's answers wait while it runs.
    public nonisolated var executor: any TaskExecutor { PostgresIOThread.shared }
    private let size: Int
    private let acquireTimeout: Duration
    private let healthCheckAfterIdle: Duration
    private let logger: Logger

    private var idle: [IdleConnection] = []
    /// Connections open or being opened.
    private var slotsTaken = 0
    private var waiters: [Waiter] = []
    /// How many callers wait for a connection (for tests).
    var waitingCount: Int { waiters.count }
    private var nextWaiterID: UInt64 = 0
    /// Fails waiters whose deadline passed, while anyone waits: one task for all of them, not a
    /// timer per waiter.
    private var timeoutSweeper: Task<Void, Never>?
    private var isClosed = false
    private var consecutiveConnectFailures = 0
    private var nextConnectAttempt = ContinuousClock.now

    /// A pool that opens connections lazily, when they are first needed.
    ///
    /// - Parameters:
    ///   - configuration: where to connect.
    ///   - size: the most connections open at once (at least 1).
    ///   - acquireTimeout: how long a caller waits for a connection before ``PostgresError/Code/timeout``.
    ///   - healthCheckAfterIdle: an idle connection older than this is checked before reuse.
    ///   - logger: for connection events; never receives bound values.
    public init(
        configuration: PostgresConfiguration,
        size: Int,
        acquireTimeout: Duration = .seconds(10),
        healthCheckAfterIdle: Duration = .seconds(30),
        logger: Logger
    ) {
        self.configuration = configuration
        self.size = max(1, size)
        self.acquireTimeout = acquireTimeout
        self.healthCheckAfterIdle = healthCheckAfterIdle
        self.logger = logger
    }

    /// Lends a connection to `body` and takes it back afterwards.
    ///
    /// `body` should leave the connection outside any transaction; otherwise it is closed.
    /// - Throws: what `body` throws, or ``PostgresError`` (``PostgresError/Code/timeout``,
    ///   ``PostgresError/Code/poolClosed``, ``PostgresError/Code/connectionFailed``).
    public nonisolated func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await acquire()
        let result: Result<T, any Error>
        do {
            result = .success(try await body(connection))
        } catch {
            result = .failure(error)
        }
        let reusable = await connection.isIdle
        await checkIn(connection, reusable: reusable)
        return try result.get()
    }

    /// Runs `body` in a transaction on a pooled connection; see ``PostgresConnection/withTransaction(isolation:_:)``.
    @discardableResult
    public nonisolated func withTransaction<T: Sendable>(
        isolation: PostgresIsolationLevel = .readCommitted,
        _ body: @Sendable (isolated PostgresConnection) async throws -> T
    ) async throws -> T {
        try await lend { connection in
            try await connection.withTransaction(isolation: isolation, body)
        }
    }

    /// Runs one statement on a pooled connection; see ``PostgresConnection/query(_:_:)``.
    @discardableResult
    public nonisolated func query(_ sql: String, _ bindings: [any PostgresEncodable] = []) async throws -> PostgresRows {
        try await lend { try await $0.query(sql, bindings) }
    }

    /// Runs one statement on a pooled connection and returns the rows it changed.
    @discardableResult
    public nonisolated func execute(_ sql: String, _ bindings: [any PostgresEncodable] = []) async throws -> Int {
        try await lend { try await $0.execute(sql, bindings) }
    }

    /// Lends a connection to `body`, which runs on the connection's executor; whether the
    /// connection can be lent again is learned there too, saving a hop to its thread and back.
    private nonisolated func lend<T: Sendable>(_ body: @Sendable (isolated PostgresConnection) async throws -> T) async throws -> T {
        let connection = try await acquire()
        let (result, reusable) = await connection.runLent(body)
        await checkIn(connection, reusable: reusable)
        return try result.get()
    }

    /// Closes idle connections now and busy ones when they come back, and fails every waiter
    /// and later call with ``PostgresError/Code/poolClosed``.
    public func close() async {
        isClosed = true
        let pending = waiters
        waiters.removeAll()
        timeoutSweeper?.cancel()
        for waiter in pending {
            waiter.continuation.resume(throwing: PostgresError(code: .poolClosed))
        }
        let connections = idle.map(\.connection)
        idle.removeAll()
        slotsTaken -= connections.count
        for connection in connections {
            await connection.close()
        }
    }

    // MARK: Lending

    private func acquire() async throws -> PostgresConnection {
        let deadline = ContinuousClock.now + acquireTimeout
        switch try await lease(until: deadline) {
        case .connection(let connection, let idleSince):
            guard let idleSince, idleSince.duration(to: .now) > healthCheckAfterIdle else {
                return connection
            }
            if await isAlive(connection) {
                return connection
            }
            await connection.close()
            logger.debug("replacing an idle connection that failed its health check")
        case .slot:
            break
        }
        do {
            return try await openConnection()
        } catch {
            returnSlot()
            throw error
        }
    }

    private nonisolated func isAlive(_ connection: PostgresConnection) async -> Bool {
        do {
            try await connection.query("SELECT 1")
            return await connection.isIdle
        } catch {
            return false
        }
    }

    private func lease(until deadline: ContinuousClock.Instant) async throws -> Lease {
        guard !isClosed else { throw PostgresError(code: .poolClosed) }
        if let free = idle.popLast() {
            return .connection(free.connection, idleSince: free.since)
        }
        if slotsTaken < size {
            slotsTaken += 1
            return .slot
        }
        guard !Task.isCancelled else {
            throw PostgresError(code: .queryCancelled, clientMessage: "the task was cancelled")
        }
        let id = nextWaiterID
        nextWaiterID += 1
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiters.append(Waiter(id: id, deadline: deadline, continuation: continuation))
                if timeoutSweeper == nil {
                    timeoutSweeper = Task { [weak self] in await self?.failExpiredWaiters() }
                }
            }
        } onCancel: {
            Task { [weak self] in
                await self?.failWaiter(id, with: PostgresError(code: .queryCancelled, clientMessage: "the task was cancelled"))
            }
        }
    }

    private func failWaiter(_ id: UInt64, with error: PostgresError) {
        guard let index = waiters.firstIndex(where: { $0.id == id }) else { return }
        waiters.remove(at: index).continuation.resume(throwing: error)
    }

    /// Sleeps until the oldest waiter's deadline and fails the waiters whose deadline has passed,
    /// for as long as anyone waits. Every caller waits `acquireTimeout`, so the waiters' deadlines
    /// are in their order, the oldest first.
    private func failExpiredWaiters() async {
        while let earliest = waiters.first?.deadline {
            try? await Task.sleep(until: earliest)
            guard !Task.isCancelled else { break }  // the pool closed
            let now = ContinuousClock.now
            for waiter in waiters where waiter.deadline <= now {
                failWaiter(waiter.id, with: PostgresError(code: .timeout, clientMessage: "no connection became free in time"))
            }
        }
        timeoutSweeper = nil
    }

    /// Hands the oldest waiter its lease, if anyone waits.
    private func handToWaiter(_ lease: Lease) -> Bool {
        guard !waiters.isEmpty else { return false }
        waiters.removeFirst().continuation.resume(returning: lease)
        return true
    }

    private func checkIn(_ connection: PostgresConnection, reusable: Bool) async {
        guard reusable else {
            let lost = await !connection.isConnected
            await connection.close()
            returnSlot()
            if lost {
                await closeIdleConnections()
            }
            return
        }
        if isClosed {
            slotsTaken -= 1
            await connection.close()
        } else if !handToWaiter(.connection(connection, idleSince: nil)) {
            idle.append(IdleConnection(connection: connection, since: .now))
        }
    }

    /// Closes every idle connection: one came back lost, and the others went to the same server,
    /// which has most likely gone too (restarted, or failed over to a standby). Each would otherwise
    /// fail its next caller once before being replaced.
    private func closeIdleConnections() async {
        let connections = idle.map(\.connection)
        guard !connections.isEmpty else { return }
        idle.removeAll()
        slotsTaken -= connections.count
        logger.debug("a connection was lost; closing the idle ones", metadata: ["closed": "\(connections.count)"])
        for connection in connections {
            await connection.close()
        }
    }

    /// Gives up a slot whose connection is gone: the next waiter may open a new one.
    private func returnSlot() {
        if isClosed || !handToWaiter(.slot) {
            slotsTaken -= 1
        }
    }

    // MARK: Connecting

    /// Opens a connection, or fails at once when the database cannot be reached.
    ///
    /// After a failed attempt the next one waits for an exponential backoff shared by the pool
    /// (50 ms doubling to 2 s); a caller that comes during the backoff fails at once with
    /// ``PostgresError/Code/connectionFailed`` instead of waiting, so that while the database is down
    /// callers answer "unavailable" quickly and the server is not flooded with attempts. The outage
    /// is logged once when it starts and once when a connection succeeds again.
    private func openConnection() async throws -> PostgresConnection {
        guard !isClosed else { throw PostgresError(code: .poolClosed) }
        guard nextConnectAttempt <= .now else {
            throw PostgresError(code: .connectionFailed, clientMessage: "the database is unreachable; connecting again after a backoff")
        }
        do {
            let connection = try await PostgresConnection.connect(configuration, logger: logger)
            if consecutiveConnectFailures > 0 {
                logger.info("connected to the database again", metadata: ["failed_attempts": "\(consecutiveConnectFailures)"])
                consecutiveConnectFailures = 0
            }
            return connection
        } catch {
            consecutiveConnectFailures += 1
            let backoff = Duration.milliseconds(50) * (1 << min(consecutiveConnectFailures - 1, 7))
            nextConnectAttempt = .now + min(backoff, .seconds(2))
            if consecutiveConnectFailures == 1 {
                logger.warning("cannot connect to the database; retrying with backoff", metadata: ["error": "\(error)"])
            } else {
                logger.debug("connecting failed again", metadata: ["failed_attempts": "\(consecutiveConnectFailures)"])
            }
            throw error
        }
    }
}
