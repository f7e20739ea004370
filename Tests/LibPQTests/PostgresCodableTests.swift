import Foundation
import LibPQ
import Testing

@Suite struct PostgresCodableTests {
    @Test func integersRoundTripIncludingExtremes() async throws {
        let connection = try await TestServer.connection()
        for value in [Int64.min, -1, 0, 1, Int64.max] {
            #expect(try await connection.roundTrip(value, as: "int8") == value)
        }
        for value in [Int.min, 0, Int.max] {
            #expect(try await connection.roundTrip(value, as: "int8") == value)
        }
        for value in [Int32.min, 0, Int32.max] {
            #expect(try await connection.roundTrip(value, as: "int4") == value)
        }
        let small = try await connection.query("SELECT 7::int2 AS a, 8::int4 AS b")
        #expect(try small[0].decode(Int.self, column: "a") == 7)
        #expect(try small[0].decode(Int64.self, column: "b") == 8)
    }

    @Test func int32RefusesAnInt8ThatDoesNotFit() async throws {
        let connection = try await TestServer.connection()
        let rows = try await connection.query("SELECT $1::int8 AS big", [Int64(Int32.max) + 1])
        #expect(throws: PostgresError.self) { try rows[0].decode(Int32.self, column: "big") }
    }

    @Test func stringsRoundTripIncludingEmptyNonASCIIAndLong() async throws {
        let connection = try await TestServer.connection()
        for value in ["", "plain ASCII", "zażółć gęślą jaźń 🦊 日本語", "nul-free \u{7F} ☃", String(repeating: "ż", count: 100_000)] {
            #expect(try await connection.roundTrip(value, as: "text") == value)
        }
    }

    @Test func boolsDoublesAndUUIDsRoundTrip() async throws {
        let connection = try await TestServer.connection()
        #expect(try await connection.roundTrip(true, as: "bool") == true)
        #expect(try await connection.roundTrip(false, as: "bool") == false)
        for value in [0.0, -1.5, Double.pi, Double.greatestFiniteMagnitude, -Double.infinity, Double.leastNonzeroMagnitude] {
            #expect(try await connection.roundTrip(value, as: "float8") == value)
        }
        #expect(try await connection.roundTrip(Double.nan, as: "float8").isNaN)
        let uuid = UUID()
        #expect(try await connection.roundTrip(uuid, as: "uuid") == uuid)
        let text = try await connection.query("SELECT $1::uuid::text AS value", [uuid])
        #expect(try text[0].decode(String.self, column: "value") == uuid.uuidString.lowercased())
    }

    @Test func tenMegabyteByteaRoundTrips() async throws {
        let connection = try await TestServer.connection()
        let random = try #require(FileHandle(forReadingAtPath: "/dev/urandom"))
        let bytes = random.readData(ofLength: 10 * 1024 * 1024)
        try random.close()
        #expect(bytes.count == 10 * 1024 * 1024)
        try await connection.execute("CREATE TABLE blobs (content bytea NOT NULL)")
        try await connection.execute("INSERT INTO blobs VALUES ($1)", [bytes])
        let rows = try await connection.query("SELECT content, length(content) AS size FROM blobs")
        #expect(try rows[0].decode(Int.self, column: "size") == bytes.count)
        #expect(try rows[0].decode(Data.self, column: "content") == bytes)
        #expect(try await connection.roundTrip(Data(), as: "bytea") == Data())
    }

    @Test func timestampsKeepMicrosecondsWhateverTheSessionTimeZone() async throws {
        let database = try await TestServer.database()
        let writer = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let reader = try await PostgresConnection.connect(database, logger: TestServer.logger)
        try await writer.execute("SET TIME ZONE 'Asia/Kathmandu'")
        try await reader.execute("SET TIME ZONE 'America/St_Johns'")
        try await writer.execute("CREATE TABLE moments (id int PRIMARY KEY, at timestamptz NOT NULL)")
        try await writer.execute("INSERT INTO moments VALUES (1, '2024-02-29 23:59:59.999999+05:45')")
        let micros: Int64 = 1_709_251_200_123_457  // 2024-03-01 00:00:00.123457 UTC
        let date = Date(timeIntervalSince1970: Double(micros) / 1_000_000)
        try await writer.execute("INSERT INTO moments VALUES (2, $1)", [date])

        let rows = try await reader.query(
            "SELECT id, at, (extract(epoch FROM at) * 1000000)::int8 AS micros FROM moments ORDER BY id"
        )
        for row in rows {
            let decoded = try row.decode(Date.self, column: "at")
            let serverMicros = try row.decode(Int64.self, column: "micros")
            #expect(Int64((decoded.timeIntervalSince1970 * 1_000_000).rounded()) == serverMicros)
        }
        #expect(try rows[1].decode(Int64.self, column: "micros") == micros)
        #expect(try rows[0].decode(Int64.self, column: "micros") == 1_709_230_499_999_999)
        let fromWriter = try await writer.query("SELECT at FROM moments WHERE id = 2")
        #expect(try fromWriter[0].decode(Date.self, column: "at") == rows[1].decode(Date.self, column: "at"))
    }

    @Test func nullRoundTripsThroughOptionals() async throws {
        let connection = try await TestServer.connection()
        let rows = try await connection.query(
            "SELECT $1::int8 AS i, $2::text AS s, $3::timestamptz AS t, $4::bytea AS b, $5::text AS present",
            [Int?.none, String?.none, Date?.none, Data?.none, String?("here")]
        )
        #expect(try rows[0].decode(Int?.self, column: "i") == nil)
        #expect(try rows[0].decode(String?.self, column: "s") == nil)
        #expect(try rows[0].decode(Date?.self, column: "t") == nil)
        #expect(try rows[0].decode(Data?.self, column: "b") == nil)
        #expect(try rows[0].decode(String?.self, column: "present") == "here")
    }

    private struct Payload: Codable, Equatable, Sendable {
        var name: String
        var amounts: [Int]
        var note: String?
    }

    @Test func codableValuesRoundTripAsJSON() async throws {
        let connection = try await TestServer.connection()
        let payload = PostgresJSON(Payload(name: "łódź", amounts: [1, 2, 3], note: nil))
        #expect(try await connection.roundTrip(payload, as: "jsonb") == payload)
        let json = try await connection.query(#"SELECT '{"name":"x","amounts":[]}'::json AS value"#)
        #expect(try json[0].decode(PostgresJSON<Payload>.self, column: "value").value == Payload(name: "x", amounts: []))
    }

    @Test func decodingNullIntoNonOptionalNamesTheColumn() async throws {
        let connection = try await TestServer.connection()
        let rows = try await connection.query("SELECT NULL::int8 AS missing_amount")
        #expect {
            try rows[0].decode(Int.self, column: "missing_amount")
        } throws: { error in
            let error = error as? PostgresError
            return error?.code == .decodingFailed && error?.description.contains("missing_amount") == true
        }
    }

    @Test func decodingTheWrongTypeNamesTheColumn() async throws {
        let connection = try await TestServer.connection()
        let rows = try await connection.query("SELECT 'abc'::text AS label, 1::int4 AS n")
        #expect {
            try rows[0].decode(Int.self, column: "label")
        } throws: { error in
            (error as? PostgresError)?.code == .decodingFailed && "\(error)".contains("label")
        }
        #expect(throws: PostgresError.self) { try rows[0].decode(Date.self, at: 1) }
        #expect(throws: PostgresError.self) { try rows[0].decode(Int.self, column: "no_such_column") }
    }

    @Test func columnsAreFoundByTheirWholeName() async throws {
        let connection = try await TestServer.connection()
        let rows = try await connection.query("SELECT 1::int4 AS amount_due, 2::int4 AS amount, 3::int4 AS amounts, 4::int4 AS amount")
        #expect(try rows[0].decode(Int32.self, column: "amount") == 2, "the first column of the name, not one it begins")
        #expect(try rows[0].decode(Int32.self, column: "amounts") == 3)
        #expect(try rows[0].decode(Int32.self, column: "amount_due") == 1)
        #expect(throws: PostgresError.self) { try rows[0].decode(Int32.self, column: "amoun") }
        #expect(throws: PostgresError.self) { try rows[0].decode(Int32.self, column: "amount\u{0}") }
        #expect(throws: PostgresError.self) { try rows[0].decode(Int32.self, column: "") }
    }

    /// Names are found by their hash (FNV-1a): "costarring" and "liquid" hash alike, and "a" is twice.
    @Test func columnsAreFoundPastNamesThatHashAlike() async throws {
        let connection = try await TestServer.connection()
        let rows = try await connection.query("SELECT 1::int4 AS costarring, 2::int4 AS liquid, 3::int4 AS a, 4::int4 AS a")
        #expect(try rows[0].decode(Int32.self, column: "liquid") == 2, "not the column whose name only hashes alike")
        #expect(try rows[0].decode(Int32.self, column: "costarring") == 1)
        #expect(try rows[0].decode(Int32.self, column: "a") == 3, "the first of two columns of one name")
        #expect(throws: PostgresError.self) { try rows[0].decode(Int32.self, column: "costarrin") }
    }

    @Test func rowsReportCountsAndAffectedRows() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE items (id int PRIMARY KEY)")
        let inserted = try await connection.execute("INSERT INTO items SELECT generate_series(1, 5)")
        #expect(inserted == 5)
        let rows = try await connection.query("SELECT id FROM items WHERE id > $1 ORDER BY id", [Int32(2)])
        #expect(rows.count == 3)
        #expect(try rows.map { try $0.decode(Int32.self, column: "id") } == [3, 4, 5])
        #expect(try await connection.execute("DELETE FROM items WHERE id <= $1", [2]) == 2)
    }
}
