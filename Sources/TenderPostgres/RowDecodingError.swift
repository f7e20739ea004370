import LibPQ

/// A stored value that Tender cannot read back: the schema and the code disagree, or a newer
/// version wrote the row. It says where the value is, never the value.
struct RowDecodingError: Error, CustomStringConvertible {
    /// The table holding the value.
    var table: String
    /// The column holding the value.
    var column: String
    /// What the value should have been.
    var expected: String

    var description: String { "column \(column) of table \(table) does not hold a valid \(expected)" }

    /// The value `parse` reads from a stored text.
    /// - Parameter expected: what the text should hold, for the error; the name of `T` when nil.
    /// - Throws: ``RowDecodingError`` naming `table` and `column` when `parse` finds no value.
    static func parse<T>(
        _ text: String, _ parse: (String) -> T?, table: String, column: String, expected: String? = nil
    ) throws -> T {
        guard let value = parse(text) else {
            throw RowDecodingError(table: table, column: column, expected: expected ?? "\(T.self)")
        }
        return value
    }
}

extension PostgresRow {
    /// The value of a text column holding raw values of `T`, such as a state.
    /// - Throws: ``RowDecodingError`` naming `table` and `column` when the text is no value of `T`.
    func decode<T: RawRepresentable>(_ type: T.Type, column: String, table: String) throws -> T where T.RawValue == String {
        try RowDecodingError.parse(decode(String.self, column: column), T.init(rawValue:), table: table, column: column)
    }

    /// The value of a nullable text column holding raw values of `T`; nil for `NULL`.
    /// - Throws: ``RowDecodingError`` naming `table` and `column` when the text is no value of `T`.
    func decode<T: RawRepresentable>(_ type: T?.Type, column: String, table: String) throws -> T? where T.RawValue == String {
        try decode(String?.self, column: column).map { try RowDecodingError.parse($0, T.init(rawValue:), table: table, column: column) }
    }
}
