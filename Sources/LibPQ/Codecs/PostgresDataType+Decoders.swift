extension PostgresDataType {
    // The column types each built-in decoder reads: kept once, so that decoding a cell builds no set.

    /// Read by `Bool`.
    static let boolColumns: Set<PostgresDataType> = [.bool]
    /// Read by `Data`.
    static let byteaColumns: Set<PostgresDataType> = [.bytea]
    /// Read by `Double`.
    static let floatingPointColumns: Set<PostgresDataType> = [.float8, .float4]
    /// Read by `Int`, `Int32` and `Int64`.
    static let integerColumns: Set<PostgresDataType> = [.int2, .int4, .int8]
    /// Read by `PostgresJSON`.
    static let jsonColumns: Set<PostgresDataType> = [.jsonb, .json]
    /// Read by `String`, besides user-defined types (enums).
    static let textualColumns: Set<PostgresDataType> = [.text, .varchar, .bpchar, .name, .json, .unknown]
    /// Read by `Date`.
    static let timestampColumns: Set<PostgresDataType> = [.timestamptz, .timestamp]
    /// Read by `UUID`.
    static let uuidColumns: Set<PostgresDataType> = [.uuid]
}
