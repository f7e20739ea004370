/// A Swift value that can be bound to a statement parameter (`$1`, `$2`, …).
///
/// Values travel in PostgreSQL's binary format, separately from the SQL text, together with
/// their type OID, so they are never interpolated into SQL.
public protocol PostgresEncodable: Sendable {
    /// The PostgreSQL type the value is sent as.
    static var postgresDataType: PostgresDataType { get }

    /// Appends the value in PostgreSQL's binary format to `bytes` and returns true, or appends
    /// nothing and returns false for SQL `NULL`.
    ///
    /// Statements encode every bound value into one buffer, so an encoding allocates nothing of its own.
    func encode(into bytes: inout [UInt8]) throws -> Bool
}
