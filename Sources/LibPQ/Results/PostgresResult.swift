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

    /// The columns by name: an open-addressing table (linear probing) of entries
    /// `hash << 32 | position + 1`, the hash a column name's FNV-1a, zero in an empty slot, with
    /// twice as many slots as columns. Only results with rows are decoded, so only they have one.
    private let columnsByName: [UInt64]

    /// Takes ownership of `handle`. Types and tags are read from it when asked for, and names
    /// too: a result keeps their hashes only.
    init(taking handle: OpaquePointer) {
        self.handle = handle
        columnCount = Int(PQnfields(handle))
        rowCount = Int(PQntuples(handle))
        columnsByName = rowCount == 0 ? [] : Self.columnTable(handle, columnCount: columnCount)
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

    /// The position of the first column named `name`, in a result with rows. Only the columns whose
    /// name hashes as `name` does are compared with it, and neither name is copied.
    func columnIndex(of name: String) -> Int? {
        guard !columnsByName.isEmpty else { return nil }
        var name = name
        return name.withUTF8 { wanted in
            let hash = UInt64(Self.hash(wanted))
            let mask = columnsByName.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            // Names are entered in column order, so of two alike the first is met first.
            while columnsByName[slot] != 0 {
                let entry = columnsByName[slot]
                let column = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                if entry >> 32 == hash, let candidate = PQfname(handle, Int32(column)), Self.name(candidate, is: wanted) {
                    return column
                }
                slot = (slot + 1) & mask
            }
            return nil
        }
    }

    /// The table of ``columnsByName`` for the columns of `handle`.
    private static func columnTable(_ handle: OpaquePointer, columnCount: Int) -> [UInt64] {
        var slots = 2
        while slots < columnCount * 2 {
            slots *= 2
        }
        var table = [UInt64](repeating: 0, count: slots)
        for column in 0..<columnCount {
            let hash = UInt64(hash(PQfname(handle, Int32(column))))
            var slot = Int(truncatingIfNeeded: hash) & (slots - 1)
            while table[slot] != 0 {
                slot = (slot + 1) & (slots - 1)
            }
            table[slot] = hash << 32 | UInt64(column + 1)
        }
        return table
    }

    /// The 32-bit FNV-1a hash of `bytes`.
    private static func hash(_ bytes: some Sequence<UInt8>) -> UInt32 {
        bytes.reduce(2_166_136_261) { hash, byte in (hash ^ UInt32(byte)) &* 16_777_619 }
    }

    /// The hash of the NUL-terminated `name` (none, for a column that does not exist).
    private static func hash(_ name: UnsafePointer<CChar>?) -> UInt32 {
        guard let name else { return 0 }
        return hash(UnsafeBufferPointer(start: name, count: strlen(name)).lazy.map { UInt8(bitPattern: $0) })
    }

    /// Whether the NUL-terminated `candidate` is `wanted`: as long (`strnlen` reads no further than
    /// its terminator or one byte past `wanted`'s length), with the same bytes. A `wanted` with a
    /// NUL in it differs from every candidate there.
    private static func name(_ candidate: UnsafePointer<CChar>, is wanted: UnsafeBufferPointer<UInt8>) -> Bool {
        guard strnlen(candidate, wanted.count + 1) == wanted.count else { return false }
        guard let bytes = wanted.baseAddress else { return true }
        return memcmp(candidate, bytes, wanted.count) == 0
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
