import Foundation
import OpenAPIRuntime

/// Times as the API writes and reads them: RFC 3339 in UTC with milliseconds and `Z` when
/// written (`2026-12-02T11:30:21.630Z`); any RFC 3339 zone, fractional seconds optional, when
/// read.
public struct RFC3339DateTranscoder: DateTranscoder {
    /// Creates the transcoder.
    public init() {}

    /// The date in UTC with milliseconds.
    public func encode(_ date: Date) throws -> String {
        date.formatted(Self.withFraction)
    }

    /// The date of an RFC 3339 time, with or without fractional seconds.
    /// - Throws: `DecodingError.dataCorrupted` for anything else.
    public func decode(_ string: String) throws -> Date {
        if let date = (try? Self.withFraction.parse(string)) ?? (try? Date.ISO8601FormatStyle().parse(string)) {
            return date
        }
        throw DecodingError.dataCorrupted(
            .init(codingPath: [], debugDescription: "not an RFC 3339 time such as 2026-12-02T11:30:21Z"))
    }

    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}

extension Configuration {
    /// The configuration both sides of Tender's API use: times through ``RFC3339DateTranscoder``.
    public static var tender: Configuration {
        Configuration(dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [.sortedKeys])
    }
}
