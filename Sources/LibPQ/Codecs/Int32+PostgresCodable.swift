extension Int32: PostgresEncodable, PostgresDecodable, PostgresArrayElement {
    /// Sent as `int4`.
    public static var postgresDataType: PostgresDataType { .int4 }

    /// Arrays of it are sent as `int4[]`.
    public static var postgresArrayDataType: PostgresDataType { .int4Array }

    /// The value as a network-order `int4`.
    public func encode(into bytes: inout [UInt8]) -> Bool {
        appendBigEndian(to: &bytes)
        return true
    }

    /// Decodes an `int2` or `int4` column, or an `int8` column whose value fits.
    public init(postgresCell cell: PostgresCell) throws {
        self = try cell.decodeInteger(as: Int32.self)
    }
}
