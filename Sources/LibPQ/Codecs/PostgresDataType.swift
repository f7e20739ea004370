/// A PostgreSQL type, identified by its object id (OID).
public struct PostgresDataType: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    /// The type's OID, as in `pg_type.oid`.
    public var rawValue: UInt32

    /// A type of the given OID.
    public init(rawValue: UInt32) {
        self.rawValue = rawValue
    }

    /// `bool`
    public static let bool = PostgresDataType(rawValue: 16)
    /// `bytea`
    public static let bytea = PostgresDataType(rawValue: 17)
    /// `name`
    public static let name = PostgresDataType(rawValue: 19)
    /// `int8` (`bigint`)
    public static let int8 = PostgresDataType(rawValue: 20)
    /// `int2` (`smallint`)
    public static let int2 = PostgresDataType(rawValue: 21)
    /// `int4` (`integer`)
    public static let int4 = PostgresDataType(rawValue: 23)
    /// `text`
    public static let text = PostgresDataType(rawValue: 25)
    /// `json`
    public static let json = PostgresDataType(rawValue: 114)
    /// `float4` (`real`)
    public static let float4 = PostgresDataType(rawValue: 700)
    /// `float8` (`double precision`)
    public static let float8 = PostgresDataType(rawValue: 701)
    /// `unknown`, the type of an untyped literal.
    public static let unknown = PostgresDataType(rawValue: 705)
    /// `bpchar` (`character(n)`)
    public static let bpchar = PostgresDataType(rawValue: 1042)
    /// `varchar`
    public static let varchar = PostgresDataType(rawValue: 1043)
    /// `timestamp` (without time zone)
    public static let timestamp = PostgresDataType(rawValue: 1114)
    /// `timestamptz` (`timestamp with time zone`)
    public static let timestamptz = PostgresDataType(rawValue: 1184)
    /// `uuid`
    public static let uuid = PostgresDataType(rawValue: 2950)
    /// `jsonb`
    public static let jsonb = PostgresDataType(rawValue: 3802)
    /// `bool[]`
    public static let boolArray = PostgresDataType(rawValue: 1000)
    /// `bytea[]`
    public static let byteaArray = PostgresDataType(rawValue: 1001)
    /// `int2[]`
    public static let int2Array = PostgresDataType(rawValue: 1005)
    /// `int4[]`
    public static let int4Array = PostgresDataType(rawValue: 1007)
    /// `text[]`
    public static let textArray = PostgresDataType(rawValue: 1009)
    /// `varchar[]`
    public static let varcharArray = PostgresDataType(rawValue: 1015)
    /// `int8[]`
    public static let int8Array = PostgresDataType(rawValue: 1016)
    /// `float4[]`
    public static let float4Array = PostgresDataType(rawValue: 1021)
    /// `float8[]`
    public static let float8Array = PostgresDataType(rawValue: 1022)
    /// `timestamp[]`
    public static let timestampArray = PostgresDataType(rawValue: 1115)
    /// `timestamptz[]`
    public static let timestamptzArray = PostgresDataType(rawValue: 1185)
    /// `uuid[]`
    public static let uuidArray = PostgresDataType(rawValue: 2951)
    /// `jsonb[]`
    public static let jsonbArray = PostgresDataType(rawValue: 3807)

    /// The array types above, each with its element type.
    static let arrayElementTypes: [PostgresDataType: PostgresDataType] = [
        .boolArray: .bool, .byteaArray: .bytea, .int2Array: .int2, .int4Array: .int4, .textArray: .text,
        .varcharArray: .varchar, .int8Array: .int8, .float4Array: .float4, .float8Array: .float8,
        .timestampArray: .timestamp, .timestamptzArray: .timestamptz, .uuidArray: .uuid, .jsonbArray: .jsonb,
    ]

    /// OIDs from here on belong to objects created after `initdb`, such as enum types.
    static let firstUserDefinedOID: UInt32 = 16384

    private static let names: [UInt32: String] = [
        16: "bool", 17: "bytea", 19: "name", 20: "int8", 21: "int2", 23: "int4", 25: "text", 114: "json",
        700: "float4", 701: "float8", 705: "unknown", 1042: "bpchar", 1043: "varchar", 1114: "timestamp",
        1184: "timestamptz", 2950: "uuid", 3802: "jsonb", 1000: "bool[]", 1001: "bytea[]", 1005: "int2[]",
        1007: "int4[]", 1009: "text[]", 1015: "varchar[]", 1016: "int8[]", 1021: "float4[]", 1022: "float8[]",
        1115: "timestamp[]", 1185: "timestamptz[]", 2951: "uuid[]", 3807: "jsonb[]",
    ]

    /// The type's name when it is one of the built-in types above, otherwise `oid N`.
    public var description: String {
        Self.names[rawValue] ?? "oid \(rawValue)"
    }
}
