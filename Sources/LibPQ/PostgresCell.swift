/// One value of a ``PostgresRow``, handed to ``PostgresDecodable`` conformances.
public struct PostgresCell: Sendable {
    private let result: PostgresResult
    private let row: Int
    private let column: Int

    init(result: PostgresResult, row: Int, column: Int) {
        self.result = result
        self.row = row
        self.column = column
    }

    /// The column's name.
    public var columnName: String { result.columnNames[column] }

    /// The column's type.
    public var dataType: PostgresDataType { result.columnTypes[column] }

    /// Whether the value is SQL `NULL`.
    public var isNull: Bool { result.isNull(row: row, column: column) }

    /// Calls `body` with the value in PostgreSQL's binary format; the bytes are valid only
    /// during the call.
    ///
    /// - Throws: a ``PostgresError/Code/decodingFailed`` error when the value is `NULL`, or what `body` throws.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard !isNull else {
            throw PostgresError(
                code: .decodingFailed,
                clientMessage: "column \"\(columnName)\" is NULL; decode it as an Optional"
            )
        }
        return try result.withBytes(row: row, column: column, body)
    }

    /// Throws unless the column has one of the given types.
    ///
    /// - Parameter swiftType: the Swift type being decoded, named in the error.
    public func requireType(_ accepted: Set<PostgresDataType>, for swiftType: Any.Type) throws {
        guard accepted.contains(dataType) else {
            throw decodingError("cannot decode a \(dataType) value as \(swiftType)")
        }
    }

    /// A ``PostgresError/Code/decodingFailed`` error that names this column.
    ///
    /// - Parameter reason: what went wrong; must not contain the value itself.
    public func decodingError(_ reason: String) -> PostgresError {
        PostgresError(code: .decodingFailed, clientMessage: "column \"\(columnName)\": \(reason)")
    }
}
