extension Double: PostgresEncodable, PostgresDecodable, PostgresArrayElement {
    /// Sent as `float8`.
    public static var postgresDataType: PostgresDataType { .float8 }

    /// Arrays of it are sent as `float8[]`.
    public static var postgresArrayDataType: PostgresDataType { .float8Array }

    /// The IEEE 754 bits in network order.
    public func encode(into bytes: inout [UInt8]) -> Bool {
        bitPattern.appendBigEndian(to: &bytes)
        return true
    }

    /// Decodes a `float8` or `float4` column.
    public init(postgresCell cell: PostgresCell) throws {
        try cell.requireType(PostgresDataType.floatingPointColumns, for: Double.self)
        let value: Double? = try cell.withUnsafeBytes { bytes in
            switch bytes.count {
            case 8: UInt64(bigEndianBytes: bytes).map(Double.init(bitPattern:))
            case 4: UInt32(bigEndianBytes: bytes).map { Double(Float(bitPattern: $0)) }
            default: nil
            }
        }
        guard let value else {
            throw cell.decodingError("malformed \(cell.dataType) value")
        }
        self = value
    }
}
