import Foundation
import Hummingbird

/// Reads the query parameters of the JSON API, refusing malformed ones with 400 `invalid_query`.
enum QueryParameter {
    /// An integer in `range`, or `value` when absent.
    static func integer(_ request: Request, _ name: String, default value: Int64, in range: ClosedRange<Int64>) throws -> Int64 {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let number = Int64(text), range.contains(number) else {
            throw invalid("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// An RFC 3339 time with a zone, fractional seconds optional; `nil` when absent.
    static func date(_ request: Request, _ name: String) throws -> Date? {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        guard let date = (try? withFraction.parse(text)) ?? (try? Date.ISO8601FormatStyle().parse(text)) else {
            throw invalid("\(name) must be an RFC 3339 time such as 2026-12-02T11:30:21Z")
        }
        return date
    }

    /// A value of `T`, or `nil` when absent.
    static func value<T: RawRepresentable>(_ request: Request, _ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = request.uri.queryParameters.get(name) else { return nil }
        guard let value = T(rawValue: text) else { throw invalid("\(name) is not one of the values the API defines") }
        return value
    }

    /// 400 `invalid_query`.
    static func invalid(_ message: String) -> APIError {
        APIError(.badRequest, code: "invalid_query", message: message)
    }
}
