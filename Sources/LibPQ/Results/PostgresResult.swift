import CLibPQ

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Owns one completed `PGresult` and frees it when the last row referring to it is gone.
///
/// `@unchecked Sendable`: a completed `PGresult` is never modified again, and libpq documents
/// that such a result may be read from any thread; this class only reads it and frees it once,
/// in `deinit`.
final class PostgresResult: @unchecked Sendable {
    private let handle: OpaquePointer
    /// The number of columns.
    let columnCount: Int
    /// The number of rows.
    let rowCount: Int

    /// Takes ownership of `handle`. Names, types and tags are read from it when asked for, so a
    /// result costs no allocation beyond this object.
    init(taking handle: OpaquePointer) {
        self.handle = handle
        columnCount = Int(PQnfields(handle))
        rowCount = Int(PQntuples(handle))
    }

    deinit {
        PQclear(handle)
    }

    /// The column names, in order.
    var columnNames: [String] {
        (0..<columnCount).map(columnName(at:))
    }

    /// The name of the column at `column`.
    func columnName(at column: Int) -> String {
        String(cString: PQfname(handle, Int32(column)))
    }

    /// The type of the column at `column`.
    func columnType(at column: Int) -> PostgresDataType {
        PostgresDataType(rawValue: PQftype(handle, Int32(column)))
    }

    /// The position of the first column named `name`, compared byte for byte without copying either
    /// name. A candidate is read no further than `name`'s length and one byte: decoding a wide row
    /// by name would otherwise measure every name before the one wanted, for every column.
    func columnIndex(of name: String) -> Int? {
        var name = name
        return name.withUTF8 { wanted in
            (0..<columnCount).first { column in
                guard let candidate = PQfname(handle, Int32(column)), strnlen(candidate, wanted.count + 1) == wanted.count else { return false }
                return UnsafeRawBufferPointer(start: candidate, count: wanted.count).elementsEqual(UnsafeRawBufferPointer(wanted))
            }
        }
    }

    /// The rows an INSERT, UPDATE, DELETE, MERGE, SELECT, MOVE, FETCH or COPY touched.
    var affectedRows: Int {
        Int(String(cString: PQcmdTuples(handle))) ?? 0
    }

    /// The command tag, such as `INSERT 0 1` or `COMMIT`.
    var commandTag: String {
        String(cString: PQcmdStatus(handle))
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
