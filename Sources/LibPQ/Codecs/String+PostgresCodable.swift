extension String: PostgresEncodable, PostgresDecodable, PostgresArrayElement {
    /// Sent as `text`.
    public static var postgresDataType: PostgresDataType { .text }

    /// Arrays of it are sent as `text[]`.
    public static var postgresArrayDataType: PostgresDataType { .textArray }

    /// The UTF-8 bytes, which are `text`'s binary format.
    public func encode(into bytes: inout [UInt8]) -> Bool {
        bytes.append(contentsOf: utf8)
        return true
    }

    /// Decodes a `text`, `varchar`, `bpchar`, `name`, `json` or `unknown` column, or a column of
    /// a user-defined type sent as text (an enum type, whose binary format is its label).
    public init(postgresCell cell: PostgresCell) throws {
        guard PostgresDataType.textualColumns.contains(cell.dataType) || cell.dataType.rawValue >= PostgresDataType.firstUserDefinedOID else {
            throw cell.decodingError("cannot decode a \(cell.dataType) value as String")
        }
        self = try cell.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }
}
