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

    /// Decodes the named column; inlinable, so that the caller's decoding is specialized for `T`.
    ///
    /// - Throws: ``PostgresError`` with code ``PostgresError/Code/decodingFailed`` naming the
    ///   column when it does not exist, is `NULL` for a non-optional type, or has another type.
    @inlinable
    public func decode<T: PostgresDecodable>(_ type: T.Type, column: String) throws -> T {
        try T(postgresCell: cell(named: column))
    }

    /// Decodes the column at a zero-based position.
    ///
    /// - Throws: ``PostgresError`` with code ``PostgresError/Code/decodingFailed`` naming the
    ///   column when it does not exist, is `NULL` for a non-optional type, or has another type.
    @inlinable
    public func decode<T: PostgresDecodable>(_ type: T.Type, at position: Int) throws -> T {
        try T(postgresCell: cell(at: position))
    }

    /// The cell of the first column named `column`.
    @usableFromInline
    func cell(named column: String) throws -> PostgresCell {
        guard let position = result.columnIndex(of: column) else {
            throw PostgresError(code: .decodingFailed, clientMessage: "no column named \"\(column)\"")
        }
        return PostgresCell(result: result, row: index, column: position)
    }

    /// The cell of the column at `position`.
    @usableFromInline
    func cell(at position: Int) throws -> PostgresCell {
        guard (0..<result.columnCount).contains(position) else {
            throw PostgresError(
                code: .decodingFailed,
                clientMessage: "no column at position \(position) of \(result.columnCount)"
            )
        }
        return PostgresCell(result: result, row: index, column: position)
    }
}
