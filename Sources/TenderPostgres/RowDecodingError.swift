/// A stored value that Tender cannot read back: the schema and the code disagree.
struct RowDecodingError: Error, CustomStringConvertible {
    /// The column holding the value.
    var column: String
    /// What the value should have been.
    var expected: String

    var description: String { "column \(column) does not hold a valid \(expected)" }
}
