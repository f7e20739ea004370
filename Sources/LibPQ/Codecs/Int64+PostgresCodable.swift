extension Int64: PostgresEncodable, PostgresDecodable, PostgresArrayElement {
    /// Sent as `int8`.
    public static var postgresDataType: PostgresDataType { .int8 }

    /// Arrays of it are sent as `int8[]`.
    public static var postgresArrayDataType: PostgresDataType { .int8Array }

    /// The value as a network-order `int8`.
    public func encode(into bytes: inout [UInt8]) -> Bool {
        appendBigEndian(to: &bytes)
        return true
    }

    /// Decodes an `int2`, `int4` or `int8` column.
    public init(postgresCell cell: PostgresCell) throws {
        self = try cell.decodeInteger(as: Int64.self)
    }
}
