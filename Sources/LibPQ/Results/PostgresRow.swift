/// One row of ``PostgresRows``.
public struct PostgresRow: Sendable {
    private let result: PostgresResult
    private let index: Int

    init(result: PostgresResult, index: Int) {
        self.result = result
        self.index = index
    }

    /// The column names, in order.
    public var columnNames: [String] { result.columnNames }

    /// Decodes the named column.
    ///
    /// - Throws: ``PostgresError`` with code ``PostgresError/Code/decodingFailed`` naming the
    ///   column when it does not exist, is `NULL` for a non-optional type, or has another type.
    public func decode<T: PostgresDecodable>(_ type: T.Type, column: String) throws -> T {
        guard let position = result.columnIndex(of: column) else {
            throw PostgresError(code: .decodingFailed, clientMessage: "no column named \"\(column)\"")
        }
        return try T(postgresCell: PostgresCell(result: result, row: index, column: position))
    }

    /// Decodes the column at a zero-based position.
    ///
    /// - Throws: ``PostgresError`` with code ``PostgresError/Code/decodingFailed`` naming the
    ///   column when it does not exist, is `NULL` for a non-optional type, or has another type.
    public func decode<T: PostgresDecodable>(_ type: T.Type, at position: Int) throws -> T {
        guard (0..<result.columnCount).contains(position) else {
            throw PostgresError(
                code: .decodingFailed,
                clientMessage: "no column at position \(position) of \(result.columnCount)"
            )
        }
        return try T(postgresCell: PostgresCell(result: result, row: index, column: position))
    }
}
