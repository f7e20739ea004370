import Foundation

extension Data: PostgresEncodable, PostgresDecodable {
    /// Sent as `bytea`.
    public static var postgresDataType: PostgresDataType { .bytea }

    /// The raw bytes, which are `bytea`'s binary format.
    public func postgresEncoded() -> [UInt8]? {
        Array(self)
    }

    /// Decodes a `bytea` column.
    public init(postgresCell cell: PostgresCell) throws {
        try cell.requireType([.bytea], for: Data.self)
        self = try cell.withUnsafeBytes { Data($0) }
    }
}
