extension Array: PostgresEncodable where Element: PostgresArrayElement {
    /// Sent as the element type's array type, such as `int8[]` for `[Int]`.
    public static var postgresDataType: PostgresDataType { Element.postgresArrayDataType }

    /// A one-dimensional array in PostgreSQL's binary format; `nil` elements are `NULL`.
    public func encode(into bytes: inout [UInt8]) throws -> Bool {
        try PostgresArrayFormat.encode(self, into: &bytes)
        return true
    }
}

extension Array: PostgresDecodable where Element: PostgresDecodable {
    /// Decodes a one-dimensional array column (`int8[]`, `text[]`, `uuid[]`, …), each element as
    /// `Element` decodes a column of the element type. `NULL` elements need an optional `Element`.
    public init(postgresCell cell: PostgresCell) throws {
        self = try cell.arrayElements().map(Element.init(postgresCell:))
    }
}
