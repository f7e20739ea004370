import CLibPQ

/// Owns one completed `PGresult` and frees it when the last row referring to it is gone.
///
/// `@unchecked Sendable`: a completed `PGresult` is never modified again, and libpq documents
/// that such a result may be read from any thread; this class only reads it and frees it once,
/// in `deinit`.
final class PostgresResult: @unchecked Sendable {
    private let handle: OpaquePointer
    /// The column names, in order.
    let columnNames: [String]
    /// The column types, in order.
    let columnTypes: [PostgresDataType]
    /// The number of rows.
    let rowCount: Int
    /// The rows an INSERT, UPDATE, DELETE, MERGE, SELECT, MOVE, FETCH or COPY touched.
    let affectedRows: Int
    /// The command tag, such as `INSERT 0 1` or `COMMIT`.
    let commandTag: String

    /// Takes ownership of `handle`.
    init(taking handle: OpaquePointer) {
        self.handle = handle
        let columnCount = Int(PQnfields(handle))
        columnNames = (0..<columnCount).map { String(cString: PQfname(handle, Int32($0))) }
        columnTypes = (0..<columnCount).map { PostgresDataType(rawValue: PQftype(handle, Int32($0))) }
        rowCount = Int(PQntuples(handle))
        affectedRows = Int(String(cString: PQcmdTuples(handle))) ?? 0
        commandTag = String(cString: PQcmdStatus(handle))
    }

    deinit {
        PQclear(handle)
    }

    /// Whether the cell is SQL `NULL`.
    func isNull(row: Int, column: Int) -> Bool {
        PQgetisnull(handle, Int32(row), Int32(column)) == 1
    }

    /// Calls `body` with the cell's bytes, valid only during the call.
    func withBytes<R>(row: Int, column: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let length = Int(PQgetlength(handle, Int32(row), Int32(column)))
        let start = PQgetvalue(handle, Int32(row), Int32(column))
        return try body(UnsafeRawBufferPointer(start: start, count: length))
    }
}
