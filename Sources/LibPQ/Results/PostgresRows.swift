/// The complete result of one statement: every row, already received.
public struct PostgresRows: RandomAccessCollection, Sendable {
    private let result: PostgresResult

    init(result: PostgresResult) {
        self.result = result
    }

    /// The number of rows the statement changed (INSERT, UPDATE, DELETE, MERGE) or returned.
    public var affectedRows: Int { result.affectedRows }

    /// The statement's command tag, such as `INSERT 0 1`, `UPDATE 3` or `COMMIT` (`ROLLBACK` when a
    /// `COMMIT` found the transaction failed).
    public var commandTag: String { result.commandTag }

    /// The column names, in order.
    public var columnNames: [String] { result.columnNames }

    /// The position of the first row.
    public var startIndex: Int { 0 }

    /// The position after the last row.
    public var endIndex: Int { result.rowCount }

    /// The row at `position`.
    public subscript(position: Int) -> PostgresRow {
        precondition(indices.contains(position), "row index out of range")
        return PostgresRow(result: result, index: position)
    }
}
