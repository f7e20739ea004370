/// One statement with its bound values, for ``PostgresConnection/pipeline(_:)``.
public struct PostgresStatement: Sendable {
    /// The SQL text, with `$1`, `$2`, … for the bindings.
    public var sql: String
    /// The values for `$1`, `$2`, …, in order.
    public var bindings: [any PostgresEncodable]

    /// A statement of `sql` with `bindings` for its parameters.
    public init(_ sql: String, _ bindings: [any PostgresEncodable] = []) {
        self.sql = sql
        self.bindings = bindings
    }
}
