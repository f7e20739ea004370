import Foundation

extension Data: PostgresEncodable, PostgresDecodable, PostgresArrayElement {
    /// Sent as `bytea`.
    public static var postgresDataType: PostgresDataType { .bytea }

    /// Arrays of it are sent as `bytea[]`.
    public static var postgresArrayDataType: PostgresDataType { .byteaArray }

    /// The raw bytes, which are `bytea`'s binary format.
    public func encode(into bytes: inout [UInt8]) -> Bool {
        bytes.append(contentsOf: self)
        return true
    }

    /// Decodes a `bytea` column.
    public init(postgresCell cell: PostgresCell) throws {
        try cell.requireType(PostgresDataType.byteaColumns, for: Data.self)
        self = try cell.withUnsafeBytes { Data($0) }
    }
}
