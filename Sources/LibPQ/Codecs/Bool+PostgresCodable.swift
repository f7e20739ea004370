extension Bool: PostgresEncodable, PostgresDecodable, PostgresArrayElement {
    /// Sent as `bool`.
    public static var postgresDataType: PostgresDataType { .bool }

    /// Arrays of it are sent as `bool[]`.
    public static var postgresArrayDataType: PostgresDataType { .boolArray }

    /// One byte, 1 or 0.
    public func encode(into bytes: inout [UInt8]) -> Bool {
        bytes.append(self ? 1 : 0)
        return true
    }

    /// Decodes a `bool` column.
    public init(postgresCell cell: PostgresCell) throws {
        try cell.requireType(PostgresDataType.boolColumns, for: Bool.self)
        let byte: UInt8? = try cell.withUnsafeBytes { $0.count == 1 ? $0[0] : nil }
        guard let byte else {
            throw cell.decodingError("malformed bool value")
        }
        self = byte != 0
    }
}
