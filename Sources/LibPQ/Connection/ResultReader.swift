import CLibPQ

/// Reads a round trip's results from a connection without blocking, as far as they have arrived.
///
/// In pipeline mode each request's results end with a NULL from `PQgetResult`, and the round trip
/// ends with the pipeline's sync; a simple query (a script) ends with the first NULL, and its
/// outcome is its first failure, or else its last result.
struct ResultReader: Sendable {
    /// How the round trip was sent.
    enum Mode: Sendable {
        /// In pipeline mode, with this many requests before the sync.
        case pipeline(requests: Int)
        /// As one simple query (libpq's `PQsendQuery` outside pipeline mode).
        case simpleQuery
    }

    private let mode: Mode
    private var outcomes: [RequestOutcome] = []
    private var current = RequestOutcome.aborted

    init(_ mode: Mode) {
        self.mode = mode
        if case .pipeline(let requests) = mode {
            outcomes.reserveCapacity(requests)
        }
    }

    /// Takes every result libpq has complete; returns the round trip's outcomes once the last
    /// one is in, or nil while more input must arrive.
    mutating func read(from connection: OpaquePointer) -> Result<[RequestOutcome], PostgresError>? {
        while PQisBusy(connection) == 0 {
            guard let result = PQgetResult(connection) else {
                if let finished = endOfRequest(on: connection) {
                    return finished
                }
                continue
            }
            switch PQresultStatus(result) {
            case PGRES_PIPELINE_SYNC:
                PQclear(result)
                return .success(outcomes)
            case PGRES_TUPLES_OK, PGRES_COMMAND_OK, PGRES_EMPTY_QUERY:
                if case .failed = current {
                    PQclear(result)  // a script's first failure stands
                } else {
                    current = .rows(PostgresRows(result: PostgresResult(taking: result)))
                }
            case PGRES_PIPELINE_ABORTED:
                PQclear(result)
            default:
                let error = PostgresError(result: result, connectionBroken: PQstatus(connection) == CONNECTION_BAD)
                PQclear(result)
                if case .failed = current {
                } else {
                    current = .failed(error)
                }
            }
        }
        return nil
    }

    /// Closes the current request's results at the NULL that ends them; returns the outcome of a
    /// simple query, or a failure when the connection broke or sent more than was asked.
    private mutating func endOfRequest(on connection: OpaquePointer) -> Result<[RequestOutcome], PostgresError>? {
        guard PQstatus(connection) == CONNECTION_OK else {
            return .failure(PostgresError(code: .connectionLost, connection: connection))
        }
        outcomes.append(current)
        current = .aborted
        switch mode {
        case .simpleQuery:
            return .success(outcomes)
        case .pipeline(let requests) where outcomes.count > requests:
            return .failure(PostgresError(code: .server, clientMessage: "the server sent more results than requests"))
        case .pipeline:
            return nil
        }
    }
}
