import Foundation

extension Date: PostgresEncodable, PostgresDecodable, PostgresArrayElement {
    /// Sent as `timestamptz`.
    public static var postgresDataType: PostgresDataType { .timestamptz }

    /// Arrays of it are sent as `timestamptz[]`.
    public static var postgresArrayDataType: PostgresDataType { .timestamptzArray }

    /// Seconds from 1 January 2001 (Foundation's reference date) back to 1 January 2000
    /// (PostgreSQL's epoch), both UTC.
    private static let postgresEpochOffset: Int64 = 31_622_400

    /// Microseconds since 2000-01-01 00:00 UTC, rounded to the nearest microsecond.
    public func encode(into bytes: inout [UInt8]) -> Bool {
        let seconds = timeIntervalSinceReferenceDate.rounded(.down)
        let micros = ((timeIntervalSinceReferenceDate - seconds) * 1_000_000).rounded()
        let total = (Int64(seconds) + Self.postgresEpochOffset) * 1_000_000 + Int64(micros)
        total.appendBigEndian(to: &bytes)
        return true
    }

    /// Decodes a `timestamptz` column, or a `timestamp` column read as UTC.
    ///
    /// The binary format is an instant in UTC, so the session's `TimeZone` does not matter.
    public init(postgresCell cell: PostgresCell) throws {
        try cell.requireType(PostgresDataType.timestampColumns, for: Date.self)
        guard let micros = try cell.withUnsafeBytes({ Int64(bigEndianBytes: $0) }) else {
            throw cell.decodingError("malformed \(cell.dataType) value")
        }
        guard micros != .max, micros != .min else {
            throw cell.decodingError("infinite \(cell.dataType) cannot be a Date")
        }
        let (seconds, fraction) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        self.init(
            timeIntervalSinceReferenceDate: Double(seconds - Self.postgresEpochOffset) + Double(fraction) / 1_000_000
        )
    }
}
