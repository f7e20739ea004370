import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore {
    public func traceHeaders(of attempts: [AttemptID]) async throws -> [AttemptID: [String: String]] {
        let rows = try await pool.query(
            "SELECT id, trace_context FROM attempts WHERE id = ANY($1) AND trace_context IS NOT NULL", [attempts.map(\.rawValue)])
        var headers: [AttemptID: [String: String]] = [:]
        for row in rows {
            headers[AttemptID(rawValue: try row.decode(UUID.self, column: "id"))] =
                try row.decode(PostgresJSON<[String: String]>.self, column: "trace_context").value
        }
        return headers
    }
}
