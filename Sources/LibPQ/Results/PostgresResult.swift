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
    /// name. A candidate is read up to its first byte that differs, most often its first: decoding a
    /// wide row by name compares every column's name with the names before it.
    func columnIndex(of name: String) -> Int? {
        var name = name
        return name.withUTF8 { wanted in
            (0..<columnCount).first { column in
                guard let candidate = PQfname(handle, Int32(column)) else { return false }
                return Self.name(candidate, is: wanted)
            }
        }
    }

    /// Whether the NUL-terminated `candidate` is `wanted`. A shorter candidate differs at its
    /// terminator (a column name has no NUL in it), so it is never read past.
    private static func name(_ candidate: UnsafePointer<CChar>, is wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        for (offset, byte) in wanted.enumerated() where byte == 0 || UInt8(bitPattern: candidate[offset]) != byte {
            return false
        }
        return candidate[wanted.count] == 0
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
