/// A Swift value that can be bound to a statement parameter (`$1`, `$2`, …).
///
/// Values travel in PostgreSQL's binary format, separately from the SQL text, together with
/// their type OID, so they are never interpolated into SQL.
public protocol PostgresEncodable: Sendable {
    /// The PostgreSQL type the value is sent as.
    static var postgresDataType: PostgresDataType { get }

    /// The value in PostgreSQL's binary format, or `nil` for SQL `NULL`.
    func postgresEncoded() throws -> [UInt8]?
}
