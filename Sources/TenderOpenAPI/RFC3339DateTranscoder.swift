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

    /// The date of an RFC 3339 time: any number of fractional digits, `Z` or any offset, `T` and
    /// `Z` in either case.
    /// - Throws: `DecodingError.dataCorrupted` for anything else.
    public func decode(_ string: String) throws -> Date {
        guard let date = Self.parse(string) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: [], debugDescription: "not an RFC 3339 time such as 2026-12-02T11:30:21Z"))
        }
        return date
    }

    /// RFC 3339's `date-time`, or `nil`.
    static func parse(_ string: String) -> Date? {
        let pattern = /(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))/
        guard let match = string.wholeMatch(of: pattern),
            let year = Int(match.1), let month = Int(match.2), let day = Int(match.3),
            let hour = Int(match.4), let minute = Int(match.5), let second = Int(match.6),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second <= 60
        else { return nil }
        var offset = 0
        if match.8 == nil {
            guard let sign = match.9, let hours = match.10.flatMap({ Int($0) }), let minutes = match.11.flatMap({ Int($0) }),
                hours < 24, minutes < 60
            else { return nil }
            offset = (hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!  // always known
        // A leap second (60) counts as the first instant of the next minute.
        let components = DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: min(second, 59))
        guard let start = calendar.date(from: components),
            calendar.component(.day, from: start) == day
        else { return nil }
        let fraction = match.7.flatMap { Double("0" + $0) } ?? 0
        return start + Double(second == 60 ? 1 : 0) + fraction - Double(offset)
    }

    private static let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
}

extension Configuration {
    /// The configuration both sides of Tender's API use: times through ``RFC3339DateTranscoder``.
    public static var tender: Configuration {
        Configuration(dateTranscoder: RFC3339DateTranscoder(), jsonEncodingOptions: [.sortedKeys])
    }
}
