extension Optional: PostgresEncodable where Wrapped: PostgresEncodable {
    /// The wrapped type's PostgreSQL type, also for `nil`.
    public static var postgresDataType: PostgresDataType { Wrapped.postgresDataType }

    /// `nil` (SQL `NULL`) or the wrapped value's encoding.
    public func encode(into bytes: inout [UInt8]) throws -> Bool {
        try self?.encode(into: &bytes) ?? false
    }
}

extension Optional: PostgresDecodable where Wrapped: PostgresDecodable {
    /// `nil` for SQL `NULL`, otherwise the wrapped type's decoding (inlinable, to be specialized
    /// with ``PostgresRow/decode(_:column:)``).
    @inlinable
    public init(postgresCell cell: PostgresCell) throws {
        self = cell.isNull ? nil : try Wrapped(postgresCell: cell)
    }
}

extension Optional: PostgresArrayElement where Wrapped: PostgresArrayElement {
    /// The wrapped type's array type: an array of optionals is an array with NULL elements.
    public static var postgresArrayDataType: PostgresDataType { Wrapped.postgresArrayDataType }
}
