import Foundation
import TenderOpenAPI
import Testing

/// Times as the API writes and reads them.
@Suite("RFC 3339 times")
struct RFC3339DateTranscoderTests {
    let transcoder = RFC3339DateTranscoder()

    @Test("written in UTC with milliseconds and Z; read back to the same instant")
    func roundTrip() throws {
        let date = Date(timeIntervalSince1970: 1_796_211_021.63)
        let text = try transcoder.encode(date)
        #expect(text == "2026-12-02T11:30:21.630Z")
        #expect(abs(try transcoder.decode(text).timeIntervalSince(date)) < 0.000_1)
    }

    @Test("every RFC 3339 form is read: any fraction, any offset, lower-case t and z, a leap second")
    func forms() throws {
        let base = Date(timeIntervalSince1970: 946_742_400)  // 2000-01-01T16:00:00Z
        let cases: [(String, Double)] = [
            ("2000-01-01T16:00:00Z", 0),
            ("2000-01-01t16:00:00z", 0),
            ("2000-01-01T16:00:00.4Z", 0.4),
            ("2000-01-01T16:00:00.123456789Z", 0.123456789),
            ("2000-01-01T16:00:00.4-21:47", 0.4 + 21 * 3600 + 47 * 60),
            ("2000-01-01T17:30:00+01:30", 0),
            ("2000-01-01T15:59:60Z", 0),
        ]
        for (text, seconds) in cases {
            let date = try transcoder.decode(text)
            #expect(abs(date.timeIntervalSince(base) - seconds) < 0.000_001, "\(text)")
        }
    }

    @Test("anything else is refused")
    func refused() {
        for text in [
            "yesterday", "2000-01-01", "2000-13-01T00:00:00Z", "2000-02-30T00:00:00Z", "2000-01-01T24:00:00Z", "2000-01-01T00:00:00",
            "2000-01-01T00:00:00+24:00", "2000-01-01T00:00:00.Z", " 2000-01-01T00:00:00Z",
        ] {
            #expect(throws: DecodingError.self, "\(text)") { try transcoder.decode(text) }
        }
    }
}
