extension Bool: PostgresEncodable, PostgresDecodable {
    /// Sent as `bool`.
    public static var postgresDataType: PostgresDataType { .bool }

    /// One byte, 1 or 0.
    public func postgresEncoded() -> [UInt8]? {
        [self ? 1 : 0]
    }

    /// Decodes a `bool` column.
    public init(postgresCell cell: PostgresCell) throws {
        try cell.requireType([.bool], for: Bool.self)
        let byte: UInt8? = try cell.withUnsafeBytes { $0.count == 1 ? $0[0] : nil }
        guard let byte else {
            throw cell.decodingError("malformed bool value")
        }
        self = byte != 0
    }
}
