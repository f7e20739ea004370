import Foundation

extension UUID: PostgresEncodable, PostgresDecodable, PostgresArrayElement {
    /// Sent as `uuid`.
    public static var postgresDataType: PostgresDataType { .uuid }

    /// Arrays of it are sent as `uuid[]`.
    public static var postgresArrayDataType: PostgresDataType { .uuidArray }

    /// The 16 bytes.
    public func encode(into bytes: inout [UInt8]) -> Bool {
        withUnsafeBytes(of: uuid) { bytes.append(contentsOf: $0) }
        return true
    }

    /// Decodes a `uuid` column.
    public init(postgresCell cell: PostgresCell) throws {
        try cell.requireType(PostgresDataType.uuidColumns, for: UUID.self)
        let value: uuid_t? = try cell.withUnsafeBytes { bytes in
            guard bytes.count == MemoryLayout<uuid_t>.size else { return nil }
            var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &value) { $0.copyMemory(from: bytes) }
            return value
        }
        guard let value else {
            throw cell.decodingError("malformed uuid value")
        }
        self.init(uuid: value)
    }
}
