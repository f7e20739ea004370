/// A Swift value that can be read from a result column.
public protocol PostgresDecodable {
    /// Decodes the value from one cell of a result.
    ///
    /// - Throws: ``PostgresError`` with code ``PostgresError/Code/decodingFailed`` when the cell
    ///   is `NULL` (and `Self` is not optional), has an unsupported type, or holds malformed bytes.
    init(postgresCell cell: PostgresCell) throws
}
