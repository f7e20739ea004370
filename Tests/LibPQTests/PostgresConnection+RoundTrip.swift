import LibPQ
import Testing

extension PostgresConnection {
    /// Binds `value`, selects it back as `sqlType`, and decodes it.
    func roundTrip<T: PostgresEncodable & PostgresDecodable>(_ value: T, as sqlType: String) async throws -> T {
        let rows = try await query("SELECT $1::\(sqlType) AS value", [value])
        return try #require(rows.first).decode(T.self, column: "value")
    }
}
