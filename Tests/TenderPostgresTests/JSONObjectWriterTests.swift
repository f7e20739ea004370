import Foundation
import LibPQ
import Testing

@testable import TenderPostgres

@Suite("JSON objects written for jsonb")
struct JSONObjectWriterTests {
    /// Strings that need escaping, and some that do not.
    static let strings = [
        "", "plain", "quote \" and \\ reverse solidus", "line\nbreak\rand\ttab", "\u{01}\u{08}\u{0C}\u{1F} controls",
        "zażółć gęślą jaźń", "emoji 💳 and 𝄞", "slash / and </script>", "\u{7F} delete",
    ]

    private struct Sample: JSONObjectEncodable {
        var text: String?
        var number: Int64?
        var flag: Bool?

        func write(to object: inout JSONObjectWriter) {
            object.add("text", text)
            object.add("number", number)
            object.add("flag", flag)
        }
    }

    private struct Decoded: Decodable, Equatable {
        var text: String?
        var number: Int64?
        var flag: Bool?
    }

    @Test("decodes as JSON to what was written", arguments: strings)
    func decodesToWhatWasWritten(string: String) throws {
        for sample in [
            Sample(text: string, number: Int64.min, flag: true), Sample(text: string, number: Int64.max, flag: false),
            Sample(text: string, number: 0, flag: nil),
        ] {
            let decoded = try JSONDecoder().decode(Decoded.self, from: Data(sample.jsonText.utf8))
            #expect(decoded == Decoded(text: sample.text, number: sample.number, flag: sample.flag))
        }
    }

    @Test("leaves absent members out, as Codable leaves out nils")
    func leavesAbsentMembersOut() {
        #expect(Sample().jsonText == "{}")
        #expect(Sample(number: -7).jsonText == #"{"number":-7}"#)
        #expect(Sample(text: "a", flag: false).jsonText == #"{"text":"a","flag":false}"#)
    }

    @Test("is stored by PostgreSQL as jsonb and read back member by member")
    func isStoredAsJSONB() async throws {
        try await StoreFixture.with { fixture in
            for string in Self.strings {
                let sample = Sample(text: string, number: 42, flag: true)
                let rows = try await fixture.pool.query(
                    "SELECT $1::jsonb ->> 'text' AS text, ($1::jsonb ->> 'number')::int8 AS number, ($1::jsonb ->> 'flag')::bool AS flag",
                    [sample])
                let row = try #require(rows.first)
                #expect(try row.decode(String.self, column: "text") == string)
                #expect(try row.decode(Int64.self, column: "number") == 42)
                #expect(try row.decode(Bool.self, column: "flag"))
            }
        }
    }
}
