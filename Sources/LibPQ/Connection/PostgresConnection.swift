import CLibPQ
import Dispatch
import Logging

/// One connection to PostgreSQL.
///
/// libpq runs in non-blocking mode: a round trip's requests are sent from the calling task, and
/// their answers read by the ``PostgresIOThread``, which resumes the task once they are all in;
/// no thread of Swift's cooperative pool ever waits in libpq. Round trips run one at a time, in
/// the order they were asked for; bound values travel separately from the SQL text, in binary
/// format. A statement is prepared on the server the first
/// time it runs on the connection and reused afterwards, so PostgreSQL parses and plans it once
/// (see `PreparedStatementCache` for the bound). Cancelling the calling task cancels the
/// running statement on the server, which then throws ``PostgresError/Code/queryCancelled``.
public actor PostgresConnection {
    private let ioThread = PostgresIOThread.shared
    private var connection: ConnectionHandle?
    private let canceller = QueryCanceller()
    private let noticeLogger: NoticeLogger
    private let logger: Logger
    /// The statements prepared on the server, reused by `query`, `execute` and `pipeline`.
    private var preparedStatements = PreparedStatementCache(capacity: PostgresConnection.preparedStatementCapacity)

    /// The most prepared statements a connection keeps on the server; statements beyond them
    /// run unprepared (see `PreparedStatementCache`).
    static let preparedStatementCapacity = 256

    /// The `BEGIN …` of a transaction whose first statement has not been sent yet: it is sent in
    /// the same round trip as that statement, and never when the transaction runs no statement.
    private var pendingBegin: String?

    /// A statement with its encoded values, ready to send.
    private struct Outgoing {
        let sql: String
        let parameters: PostgresParameters
    }

    /// A result a round trip waits for: a prepare's, or a statement's (with its cache key when it ran prepared).
    private enum Request {
        case prepare(PreparedStatementCache.Key)
        case statement(PreparedStatementCache.Key?)
    }

    /// Whether a round trip is under way; others wait their turn in ``turnWaiters``.
    private var isExchanging = false
    private var turnWaiters: [CheckedContinuation<Void, Never>] = []

    private init(logger: Logger) {
        self.logger = logger
        self.noticeLogger = NoticeLogger(logger: logger)
    }

    deinit {
        canceller.close()
    }

    /// Opens a connection.
    ///
    /// - Throws: ``PostgresError`` with code ``PostgresError/Code/connectionFailed``.
    public static func connect(_ configuration: PostgresConfiguration, logger: Logger) async throws -> PostgresConnection {
        let connection = PostgresConnection(logger: logger)
        try await connection.open(configuration)
        return connection
    }

    private func open(_ configuration: PostgresConfiguration) async throws {
        let handle = try await Self.establish(configuration, ioThread: ioThread)
        let pointer = handle.pointer
        noticeLogger.install(on: pointer)
        canceller.adopt(PQgetCancel(pointer).map(QueryCanceller.Handle.init))
        connection = handle
        preparedStatements = PreparedStatementCache(capacity: configuration.preparesStatements ? Self.preparedStatementCapacity : 0)
        logger.debug("connected", metadata: ["backend_pid": "\(PQbackendPID(pointer))"])
        try await applySessionParameters(configuration.sessionParameters)
    }

    /// Connects in non-blocking mode. libpq's connect blocks (name lookup, TLS), so it runs on a
    /// dispatch thread, never on the cooperative pool.
    private static func establish(_ configuration: PostgresConfiguration, ioThread: PostgresIOThread) async throws -> ConnectionHandle {
        let connectionString = configuration.connectionString
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                let pointer = PQconnectdb(connectionString)
                guard let pointer, PQstatus(pointer) == CONNECTION_OK, PQsetnonblocking(pointer, 1) == 0 else {
                    let error = PostgresError(code: .connectionFailed, connection: pointer)
                    PQfinish(pointer)
                    continuation.resume(throwing: error)
                    return
                }
                continuation.resume(returning: ConnectionHandle(taking: pointer, ioThread: ioThread))
            }
        }
    }

    /// Sets the session's run-time parameters in one statement; a connection that cannot take
    /// them is closed.
    private func applySessionParameters(_ parameters: [(name: String, value: String)]) async throws {
        guard !parameters.isEmpty else { return }
        do {
            let names = parameters.map(\.name)
            let values = parameters.map(\.value)
            _ = try await exclusively {
                try await roundTrip([
                    Outgoing(
                        sql: "SELECT set_config(name, value, false) FROM unnest($1::text[], $2::text[]) AS parameter(name, value)",
                        parameters: try PostgresParameters([names, values])
                    )
                ])
            }
        } catch {
            close()
            throw error
        }
    }

    /// Runs one statement and returns its rows.
    ///
    /// - Parameters:
    ///   - sql: one SQL statement, with `$1`, `$2`, … where values go.
    ///   - bindings: the values for `$1`, `$2`, …; never interpolate values into `sql`.
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func query(_ sql: String, _ bindings: [any PostgresEncodable] = []) async throws -> PostgresRows {
        let parameters = try PostgresParameters(bindings)
        let results = try await cancellable { try await roundTrip([Outgoing(sql: sql, parameters: parameters)]) }
        guard let rows = results.first else {
            throw PostgresError(code: .server, clientMessage: "the server sent no result")
        }
        return rows
    }

    /// Runs one statement and returns the number of rows it changed (or returned).
    ///
    /// - Throws: ``PostgresError``.
    @discardableResult
    public func execute(_ sql: String, _ bindings: [any PostgresEncodable] = []) async throws -> Int {
        try await query(sql, bindings).affectedRows
    }

    /// Runs a script of one or more statements without parameters (libpq's simple query protocol),
    /// such as a schema migration. Never build a script from values.
    ///
    /// - Throws: ``PostgresError``.
    public func executeScript(_ script: String) async throws {
        try await cancellable {
            if pendingBegin != nil {
                _ = try await roundTrip([])
            }
            let connection = try liveConnection()
            guard PQsendQuery(connection.pointer, script) == 1 else {
                throw PostgresError(code: PQstatus(connection.pointer) == CONNECTION_BAD ? .connectionLost : .server, connection: connection.pointer)
            }
            let outcomes = try await read(ResultReader(.simpleQuery), from: connection)
            if case .failed(let error) = outcomes.first {
                logger.debug("query failed", metadata: ["error": "\(error)"])
                throw error
            }
        }
    }

    /// Sends all statements in one round trip (libpq's pipeline mode) and returns their rows in order.
    ///
    /// Unless the statements themselves begin and commit a transaction, they run in one implicit
    /// transaction: when one fails, the earlier ones are rolled back and the later ones skipped,
    /// and its error is thrown. The connection is usable afterwards.
    ///
    /// - Throws: ``PostgresError``, the first statement's error if several failed.
    public func pipeline(_ statements: [PostgresStatement]) async throws -> [PostgresRows] {
        guard !statements.isEmpty else { return [] }
        let encoded = try statements.map { Outgoing(sql: $0.sql, parameters: try PostgresParameters($0.bindings)) }
        return try await cancellable { try await roundTrip(encoded) }
    }

    /// Runs `body` in a transaction: `BEGIN ISOLATION LEVEL …`, then `COMMIT` when `body` returns,
    /// or `ROLLBACK` when it (or the commit) throws, also when the task was cancelled.
    ///
    /// The `BEGIN` travels in the same round trip as the transaction's first statement; a body
    /// that runs no statement costs no round trip at all. A body may end the transaction itself
    /// with a `COMMIT` as the last statement of its last pipeline, saving the commit's round trip;
    /// no `COMMIT` is sent after it then.
    ///
    /// `body` runs isolated to the connection: its statements follow one another without another
    /// hop to the actor. Keep it to the transaction's work; helpers it calls take the connection
    /// as an `isolated` parameter to stay there.
    ///
    /// - Throws: what `body` throws, or ``PostgresError``. A ``PostgresError/Code/serializationFailure``
    ///   means the whole transaction may be retried; ``PostgresError/Code/notCommitted`` that the
    ///   body went on after a failed statement and nothing was written;
    ///   ``PostgresError/Code/nestedTransaction`` that the connection is already in a transaction.
    @discardableResult
    public func withTransaction<T: Sendable>(
        isolation: PostgresIsolationLevel = .readCommitted,
        _ body: @Sendable (isolated PostgresConnection) async throws -> T
    ) async throws -> T {
        let begin = "BEGIN ISOLATION LEVEL \(isolation.sql)"
        guard pendingBegin == nil, handle.map({ PQtransactionStatus($0) == PQTRANS_INTRANS || PQtransactionStatus($0) == PQTRANS_INERROR }) != true
        else {
            // A second BEGIN would only warn, and the inner COMMIT would commit the outer work.
            throw PostgresError(code: .nestedTransaction, clientMessage: "the connection is already in a transaction")
        }
        if let handle, PQtransactionStatus(handle) == PQTRANS_IDLE {
            pendingBegin = begin
        } else {
            // Closed: sending it reports why.
            try await query(begin)
        }
        do {
            let value = try await body(self)
            if pendingBegin != nil {
                pendingBegin = nil  // nothing ran, so there is nothing to commit
            } else if let handle, PQtransactionStatus(handle) == PQTRANS_IDLE {
                // The body's last pipeline committed.
            } else {
                let tag = try await query("COMMIT").commandTag
                guard tag == "COMMIT" else {
                    // The server answers ROLLBACK to a COMMIT of a failed transaction, without an error.
                    throw PostgresError(code: .notCommitted, clientMessage: "COMMIT answered \(tag): the transaction had failed")
                }
            }
            return value
        } catch {
            pendingBegin = nil
            await rollbackIfNeeded()
            throw error
        }
    }

    /// Runs `body` for the pool that lent this connection, and says whether the connection is idle
    /// afterwards, ready to be lent again.
    func runLent<T: Sendable>(_ body: @Sendable (isolated PostgresConnection) async throws -> T) async -> (Result<T, any Error>, Bool) {
        let result: Result<T, any Error>
        do {
            result = .success(try await body(self))
        } catch {
            result = .failure(error)
        }
        return (result, isIdle)
    }

    /// Whether the connection is open and not inside a failed transaction.
    public var isHealthy: Bool {
        guard !isExchanging, let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        let transaction = PQtransactionStatus(handle)
        return transaction == PQTRANS_IDLE || transaction == PQTRANS_INTRANS
    }

    /// Whether the connection is open and its server reachable when last used.
    var isConnected: Bool {
        handle.map { PQstatus($0) == CONNECTION_OK } ?? false
    }

    /// Whether the connection is open and outside any transaction, ready for another user.
    var isIdle: Bool {
        guard !isExchanging, pendingBegin == nil, let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        return PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// The server process id serving this connection (as `pg_backend_pid()`), or nil when closed.
    public var backendPID: Int32? {
        handle.map { PQbackendPID($0) }
    }

    /// Closes the connection; later calls throw ``PostgresError/Code/connectionLost``.
    public func close() {
        canceller.close()
        guard connection != nil else { return }
        connection = nil
        logger.debug("connection closed")
    }

    // MARK: Running statements

    /// The open connection's `PGconn`, or nil once closed.
    private var handle: OpaquePointer? {
        connection?.pointer
    }

    private func liveConnection() throws -> ConnectionHandle {
        guard let connection else {
            throw PostgresError(code: .connectionLost, clientMessage: "the connection is closed")
        }
        return connection
    }

    /// Runs `work`, a round trip or a few, after the round trips asked for before it and before
    /// those asked for during it: the actor is free while a round trip is read, and another task
    /// using the connection meanwhile waits its turn.
    private func exclusively<T>(_ work: () async throws -> T) async throws -> T {
        if isExchanging {
            await withCheckedContinuation { turnWaiters.append($0) }  // handed the turn by `endTurn`
        } else {
            isExchanging = true
        }
        defer { endTurn() }
        return try await work()
    }

    private func endTurn() {
        if turnWaiters.isEmpty {
            isExchanging = false
        } else {
            turnWaiters.removeFirst().resume()
        }
    }

    /// Runs `work` in its turn, so that cancelling the current task cancels it on the server.
    private func cancellable<T>(_ work: () async throws -> T) async throws -> T {
        guard !Task.isCancelled else {
            throw PostgresError(code: .queryCancelled, clientMessage: "the task was cancelled")
        }
        return try await exclusively {
            let ticket = canceller.begin()
            let result: Result<T, any Error>
            do {
                result = .success(
                    try await withTaskCancellationHandler {
                        try await work()
                    } onCancel: { [canceller] in
                        canceller.cancel(ticket)
                    }
                )
            } catch {
                result = .failure(error)
            }
            if await !canceller.end() {
                logger.debug("closing the connection: a cancel request is still on its way")
                close()
            }
            return try result.get()
        }
    }

    /// Waits for the I/O thread to read the answers to what was just sent on `connection`.
    private func read(_ reader: ResultReader, from connection: ConnectionHandle) async throws -> [RequestOutcome] {
        let flushed = PQflush(connection.pointer)
        guard flushed >= 0 else {
            throw PostgresError(code: .connectionLost, connection: connection.pointer)
        }
        return try await ioThread.read(reader, from: connection, flushing: flushed == 1)
    }

    /// Sends `statements` in one round trip (libpq's pipeline mode), after a pending `BEGIN` if
    /// there is one, and returns their rows in order.
    ///
    /// Each statement is executed as a prepared statement when the cache allows; one not prepared
    /// yet is prepared in the same round trip, right before its first execution. Call it in the
    /// caller's turn (``exclusively(_:)``).
    private func roundTrip(_ statements: [Outgoing]) async throws -> [PostgresRows] {
        let connection = try liveConnection()
        let handle = connection.pointer
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(code: .server, connection: handle)
        }
        defer { preparedStatements.abandonUnsettled() }
        var firstError: PostgresError?
        var requests: [Request] = []
        requests.reserveCapacity(statements.count * 2 + 1)
        // The pending BEGIN goes first; its (empty) rows are not returned.
        var skipsRows = pendingBegin != nil
        if let begin = pendingBegin {
            pendingBegin = nil
            guard send(Outgoing(sql: begin, parameters: try PostgresParameters([])), on: handle, recordingIn: &requests) else {
                throw PostgresError(code: PQstatus(handle) == CONNECTION_BAD ? .connectionLost : .server, connection: handle)
            }
        }
        for statement in statements {
            guard send(statement, on: handle, recordingIn: &requests) else {
                firstError = PostgresError(code: PQstatus(handle) == CONNECTION_BAD ? .connectionLost : .server, connection: handle)
                break
            }
        }
        guard PQpipelineSync(handle) == 1 else {
            throw PostgresError(code: .connectionLost, connection: handle)
        }

        let outcomes = try await read(ResultReader(.pipeline(requests: requests.count)), from: connection)
        var rows: [PostgresRows] = []
        rows.reserveCapacity(statements.count)
        for (request, outcome) in zip(requests, outcomes) {
            if case .failed(let error) = outcome {
                firstError = firstError ?? error
            }
            switch (request, outcome) {
            case (.prepare(let key), _):
                preparedStatements.settle(key, prepared: outcome.succeeded)
            case (.statement, .rows(let result)):
                if skipsRows {
                    skipsRows = false
                } else {
                    rows.append(result)
                }
            case (.statement(let key?), .failed(let error)):
                if let state = error.sqlState, PreparedStatementCache.invalidatingSQLStates.contains(state) {
                    preparedStatements.drop(key)
                }
            case (.statement, _):
                break
            }
        }
        guard outcomes.count == requests.count, PQexitPipelineMode(handle) == 1 else {
            throw PostgresError(code: .connectionLost, connection: handle)
        }
        if let firstError {
            logger.debug("query failed", metadata: ["error": "\(firstError)"])
            throw firstError
        }
        return rows
    }

    /// Queues `statement` in the pipeline: prepared (and first prepared when new) or unnamed, as
    /// the cache plans it. Appends a request for each result to expect; false when libpq refused.
    private func send(_ statement: Outgoing, on handle: OpaquePointer, recordingIn requests: inout [Request]) -> Bool {
        logger.trace("query", metadata: ["sql": "\(statement.sql)"])
        let parameters = statement.parameters
        let key = PreparedStatementCache.Key(sql: statement.sql, types: parameters.types)
        return parameters.withUnsafeArguments { types, values, lengths, formats in
            let name: String
            switch preparedStatements.plan(key) {
            case .unnamed:
                guard PQsendQueryParams(handle, statement.sql, parameters.count, types, values, lengths, formats, 1) == 1 else {
                    return false
                }
                requests.append(.statement(nil))
                return true
            case .prepare(let newName):
                guard PQsendPrepare(handle, newName, statement.sql, parameters.count, types) == 1 else {
                    return false
                }
                requests.append(.prepare(key))
                name = newName
            case .execute(let preparedName):
                name = preparedName
            }
            guard PQsendQueryPrepared(handle, name, parameters.count, values, lengths, formats, 1) == 1 else {
                return false
            }
            requests.append(.statement(key))
            return true
        }
    }

    /// Rolls back an open transaction, even when the task is cancelled; failures are logged
    /// because the caller already has an error to report.
    private func rollbackIfNeeded() async {
        do {
            try await exclusively {
                guard let handle, PQstatus(handle) == CONNECTION_OK, PQtransactionStatus(handle) != PQTRANS_IDLE else { return }
                _ = try await roundTrip([Outgoing(sql: "ROLLBACK", parameters: PostgresParameters([]))])
            }
        } catch {
            logger.debug("rollback failed", metadata: ["error": "\(error)"])
        }
    }
}
