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

    /// OIDs from here on belong to objects created after `initdb`, such as enum types.
    static let firstUserDefinedOID: UInt32 = 16384

    private static let names: [UInt32: String] = [
        16: "bool", 17: "bytea", 19: "name", 20: "int8", 21: "int2", 23: "int4", 25: "text", 114: "json",
        700: "float4", 701: "float8", 705: "unknown", 1042: "bpchar", 1043: "varchar", 1114: "timestamp",
        1184: "timestamptz", 2950: "uuid", 3802: "jsonb",
    ]

    /// The type's name when it is one of the built-in types above, otherwise `oid N`.
    public var description: String {
        Self.names[rawValue] ?? "oid \(rawValue)"
    }
}
