import CLibPQ
import Logging

/// One connection to PostgreSQL.
///
/// The actor runs on a dispatch queue of its own, so libpq's blocking calls never occupy a
/// thread of Swift's cooperative pool. Statements run one at a time; bound values travel
/// separately from the SQL text, in binary format. A statement is prepared on the server the first
/// time it runs on the connection and reused afterwards, so PostgreSQL parses and plans it once
/// (see `PreparedStatementCache` for the bound). Cancelling the calling task cancels the
/// running statement on the server, which then throws ``PostgresError/Code/queryCancelled``.
public actor PostgresConnection {
    private let executor: DispatchQueueExecutor
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

    /// What one request of a pipeline produced.
    private enum Outcome {
        case rows(PostgresRows)
        case failed(PostgresError)
        /// Skipped because an earlier statement of the pipeline failed.
        case aborted

        var succeeded: Bool {
            if case .rows = self { true } else { false }
        }
    }

    /// The executor that runs this actor: its own serial dispatch queue.
    public nonisolated var unownedExecutor: UnownedSerialExecutor {
        executor.asUnownedSerialExecutor()
    }

    private init(logger: Logger) {
        self.executor = DispatchQueueExecutor(label: "LibPQ.PostgresConnection")
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

    private func open(_ configuration: PostgresConfiguration) throws {
        let handle = PQconnectdb(configuration.connectionString)
        guard let handle, PQstatus(handle) == CONNECTION_OK else {
            let error = PostgresError(code: .connectionFailed, connection: handle)
            PQfinish(handle)
            logger.debug("connection failed", metadata: ["error": "\(error)"])
            throw error
        }
        noticeLogger.install(on: handle)
        canceller.adopt(PQgetCancel(handle).map(QueryCanceller.Handle.init))
        connection = ConnectionHandle(taking: handle)
        preparedStatements = PreparedStatementCache(capacity: configuration.preparesStatements ? Self.preparedStatementCapacity : 0)
        logger.debug("connected", metadata: ["backend_pid": "\(PQbackendPID(handle))"])
        try applySessionParameters(configuration.sessionParameters)
    }

    /// Sets the session's run-time parameters in one statement; a connection that cannot take
    /// them is closed.
    private func applySessionParameters(_ parameters: [(name: String, value: String)]) throws {
        guard !parameters.isEmpty else { return }
        do {
            let names = parameters.map(\.name)
            let values = parameters.map(\.value)
            _ = try roundTrip([
                Outgoing(
                    sql: "SELECT set_config(name, value, false) FROM unnest($1::text[], $2::text[]) AS parameter(name, value)",
                    parameters: try PostgresParameters([names, values])
                )
            ])
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
        let results = try await cancellable { try roundTrip([Outgoing(sql: sql, parameters: parameters)]) }
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
            let handle = try liveHandle()
            if pendingBegin != nil {
                _ = try roundTrip([])
            }
            _ = try checked(PQexec(handle, script), on: handle)
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
        return try await cancellable { try roundTrip(encoded) }
    }

    /// Runs `body` in a transaction: `BEGIN ISOLATION LEVEL …`, then `COMMIT` when `body` returns,
    /// or `ROLLBACK` when it (or the commit) throws, also when the task was cancelled.
    ///
    /// The `BEGIN` travels in the same round trip as the transaction's first statement; a body
    /// that runs no statement costs no round trip at all. A body may end the transaction itself
    /// with a `COMMIT` as the last statement of its last pipeline, saving the commit's round trip;
    /// no `COMMIT` is sent after it then.
    ///
    /// `body` runs isolated to the connection, on its own queue: its statements follow one another
    /// without leaving that thread. Keep it to the transaction's work; helpers it calls take the
    /// connection as an `isolated` parameter to stay there.
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
            rollbackIfNeeded()
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
        guard let handle, PQstatus(handle) == CONNECTION_OK else { return false }
        let transaction = PQtransactionStatus(handle)
        return transaction == PQTRANS_IDLE || transaction == PQTRANS_INTRANS
    }

    /// Whether the connection is open and its server reachable when last used.
    var isConnected: Bool {
        handle.map { PQstatus($0) == CONNECTION_OK } ?? false
    }

    /// Whether the connection is open and outside any transaction, ready for another user.
    var isIdle: Bool {
        guard pendingBegin == nil, let handle, PQstatus(handle) == CONNECTION_OK else { return false }
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

    private func liveHandle() throws -> OpaquePointer {
        guard let handle else {
            throw PostgresError(code: .connectionLost, clientMessage: "the connection is closed")
        }
        return handle
    }

    /// Runs `work` so that cancelling the current task cancels it on the server.
    private func cancellable<T>(_ work: () throws -> T) async throws -> T {
        guard !Task.isCancelled else {
            throw PostgresError(code: .queryCancelled, clientMessage: "the task was cancelled")
        }
        let ticket = canceller.begin()
        defer {
            if !canceller.end() {
                logger.debug("closing the connection: a cancel request is still on its way")
                close()
            }
        }
        return try await withTaskCancellationHandler {
            // Capturing self keeps the closure on the actor's queue; without it, it runs (and
            // blocks in libpq) on a thread of the global pool.
            try self.perform(work)
        } onCancel: { [canceller] in
            canceller.cancel(ticket)
        }
    }

    private func perform<T>(_ work: () throws -> T) throws -> T {
        try work()
    }

    /// Takes ownership of `result` and returns it when it succeeded, or throws its error.
    private func checked(_ result: OpaquePointer?, on handle: OpaquePointer) throws -> PostgresResult {
        guard let result else {
            let code: PostgresError.Code = PQstatus(handle) == CONNECTION_BAD ? .connectionLost : .server
            throw PostgresError(code: code, connection: handle)
        }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(taking: result)
        default:
            let error = PostgresError(result: result, connectionBroken: PQstatus(handle) == CONNECTION_BAD)
            PQclear(result)
            logger.debug("query failed", metadata: ["error": "\(error)"])
            throw error
        }
    }

    /// Sends `statements` in one round trip (libpq's pipeline mode), after a pending `BEGIN` if
    /// there is one, and returns their rows in order.
    ///
    /// Each statement is executed as a prepared statement when the cache allows; one not prepared
    /// yet is prepared in the same round trip, right before its first execution.
    private func roundTrip(_ statements: [Outgoing]) throws -> [PostgresRows] {
        let handle = try liveHandle()
        guard PQenterPipelineMode(handle) == 1 else {
            throw PostgresError(code: .server, connection: handle)
        }
        defer { preparedStatements.abandonUnsettled() }
        var outgoing = statements
        let sendsBegin = pendingBegin != nil
        if let begin = pendingBegin {
            pendingBegin = nil
            outgoing.insert(Outgoing(sql: begin, parameters: try PostgresParameters([])), at: 0)
        }
        var firstError: PostgresError?
        var requests: [Request] = []
        requests.reserveCapacity(outgoing.count)
        for statement in outgoing {
            guard send(statement, on: handle, recordingIn: &requests) else {
                firstError = PostgresError(code: PQstatus(handle) == CONNECTION_BAD ? .connectionLost : .server, connection: handle)
                break
            }
        }
        guard PQpipelineSync(handle) == 1 else {
            throw PostgresError(code: .connectionLost, connection: handle)
        }

        var rows: [PostgresRows] = []
        rows.reserveCapacity(outgoing.count)
        for request in requests {
            let outcome = try readOutcome(on: handle)
            if case .failed(let error) = outcome {
                firstError = firstError ?? error
            }
            switch (request, outcome) {
            case (.prepare(let key), _):
                preparedStatements.settle(key, prepared: outcome.succeeded)
            case (.statement, .rows(let result)):
                rows.append(result)
            case (.statement(let key?), .failed(let error)):
                if let state = error.sqlState, PreparedStatementCache.invalidatingSQLStates.contains(state) {
                    preparedStatements.drop(key)
                }
            case (.statement, _):
                break
            }
        }
        guard let sync = PQgetResult(handle) else {
            throw PostgresError(code: .connectionLost, connection: handle)
        }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        guard synced, PQexitPipelineMode(handle) == 1 else {
            throw PostgresError(code: .connectionLost, connection: handle)
        }
        if let firstError {
            logger.debug("query failed", metadata: ["error": "\(firstError)"])
            throw firstError
        }
        return sendsBegin ? Array(rows.dropFirst()) : rows
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

    /// Reads the results of one request of a pipeline, up to the NULL that ends them.
    private func readOutcome(on handle: OpaquePointer) throws -> Outcome {
        var outcome = Outcome.aborted
        while let result = PQgetResult(handle) {
            switch PQresultStatus(result) {
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                outcome = .rows(PostgresRows(result: PostgresResult(taking: result)))
            case PGRES_PIPELINE_ABORTED:
                PQclear(result)
            default:
                outcome = .failed(PostgresError(result: result, connectionBroken: PQstatus(handle) == CONNECTION_BAD))
                PQclear(result)
            }
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            throw PostgresError(code: .connectionLost, connection: handle)
        }
        return outcome
    }

    /// Rolls back an open transaction, even when the task is cancelled; failures are logged
    /// because the caller already has an error to report.
    private func rollbackIfNeeded() {
        guard let handle, PQstatus(handle) == CONNECTION_OK, PQtransactionStatus(handle) != PQTRANS_IDLE else { return }
        do {
            _ = try roundTrip([Outgoing(sql: "ROLLBACK", parameters: PostgresParameters([]))])
        } catch {
            logger.debug("rollback failed", metadata: ["error": "\(error)"])
        }
    }
}
