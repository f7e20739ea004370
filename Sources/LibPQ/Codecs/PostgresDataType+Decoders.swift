extension PostgresDataType {
    // The column types each built-in decoder reads: kept once, so that decoding a cell builds
    // nothing, and in arrays, which find one of a few types faster than a set hashes it.

    /// Read by `Bool`.
    static let boolColumns: [PostgresDataType] = [.bool]
    /// Read by `Data`.
    static let byteaColumns: [PostgresDataType] = [.bytea]
    /// Read by `Double`.
    static let floatingPointColumns: [PostgresDataType] = [.float8, .float4]
    /// Read by `Int`, `Int32` and `Int64`.
    static let integerColumns: [PostgresDataType] = [.int2, .int4, .int8]
    /// Read by `PostgresJSON`.
    static let jsonColumns: [PostgresDataType] = [.jsonb, .json]
    /// Read by `String`, besides user-defined types (enums).
    static let textualColumns: [PostgresDataType] = [.text, .varchar, .bpchar, .name, .json, .unknown]
    /// Read by `Date`.
    static let timestampColumns: [PostgresDataType] = [.timestamptz, .timestamp]
    /// Read by `UUID`.
    static let uuidColumns: [PostgresDataType] = [.uuid]
}
