import Foundation
import LibPQ
import Testing

@Suite struct PostgresArrayTests {
    @Test func arraysOfEveryScalarTypeRoundTripIncludingEmpty() async throws {
        let connection = try await TestServer.connection()
        #expect(try await connection.roundTrip([Int64.min, 0, Int64.max], as: "int8[]") == [Int64.min, 0, Int64.max])
        #expect(try await connection.roundTrip([Int32.min, 7], as: "int4[]") == [Int32.min, 7])
        #expect(try await connection.roundTrip([1, -2, 3], as: "int8[]") == [1, -2, 3])
        #expect(try await connection.roundTrip(["", "zażółć 🦊", "日本語"], as: "text[]") == ["", "zażółć 🦊", "日本語"])
        #expect(try await connection.roundTrip([true, false], as: "bool[]") == [true, false])
        #expect(try await connection.roundTrip([-1.5, Double.pi], as: "float8[]") == [-1.5, Double.pi])
        let dates = [Date(timeIntervalSince1970: 1_709_251_200.123457), Date(timeIntervalSince1970: 0)]
        let decodedDates = try await connection.roundTrip(dates, as: "timestamptz[]")
        #expect(zip(decodedDates, dates).allSatisfy { abs($0.timeIntervalSince($1)) < 0.000_001 })
        let uuids = [UUID(), UUID()]
        #expect(try await connection.roundTrip(uuids, as: "uuid[]") == uuids)
        #expect(try await connection.roundTrip([Data([0, 1, 255]), Data()], as: "bytea[]") == [Data([0, 1, 255]), Data()])
        #expect(try await connection.roundTrip([UUID](), as: "uuid[]") == [])
        #expect(try await connection.roundTrip([String](), as: "text[]") == [])
        #expect(try await connection.roundTrip([Int?](), as: "int8[]") == [])
    }

    @Test func arraysAreSentAsTheirArrayTypeAndReadByTheServer() async throws {
        let connection = try await TestServer.connection()
        let rows = try await connection.query(
            "SELECT pg_typeof($1)::text AS type, array_length($1, 1) AS length, $1[2] AS second, $2::text AS texts",
            [["a", "ż", "c"], ["x", nil, "y\"z"] as [String?]]
        )
        #expect(try rows[0].decode(String.self, column: "type") == "text[]")
        #expect(try rows[0].decode(Int.self, column: "length") == 3)
        #expect(try rows[0].decode(String.self, column: "second") == "ż")
        #expect(try rows[0].decode(String.self, column: "texts") == #"{x,NULL,"y\"z"}"#)
    }

    @Test func nullElementsRoundTripAsNilAndRefuseNonOptionalElements() async throws {
        let connection = try await TestServer.connection()
        let values: [Int?] = [1, nil, 3, nil]
        #expect(try await connection.roundTrip(values, as: "int8[]") == values)
        let strings: [String?] = [nil, "ł"]
        #expect(try await connection.roundTrip(strings, as: "text[]") == strings)
        let rows = try await connection.query("SELECT ARRAY[1, NULL]::int8[] AS holes, NULL::int8[] AS missing")
        #expect {
            try rows[0].decode([Int].self, column: "holes")
        } throws: { error in
            (error as? PostgresError)?.code == .decodingFailed && "\(error)".contains("holes\" element 2")
        }
        #expect(try rows[0].decode([Int]?.self, column: "missing") == nil)
    }

    @Test func serverArraysDecodeByElementTypeAndMismatchesAreRefused() async throws {
        let connection = try await TestServer.connection()
        let rows = try await connection.query(
            "SELECT ARRAY[1, 2]::int2[] AS small, ARRAY['a', 'b']::varchar[] AS names, ARRAY[[1, 2], [3, 4]] AS grid, 5 AS scalar"
        )
        #expect(try rows[0].decode([Int].self, column: "small") == [1, 2])
        #expect(try rows[0].decode([String].self, column: "names") == ["a", "b"])
        #expect(throws: PostgresError.self) { try rows[0].decode([Int].self, column: "grid") }
        #expect(throws: PostgresError.self) { try rows[0].decode([Int].self, column: "scalar") }
        #expect(throws: PostgresError.self) { try rows[0].decode([UUID].self, column: "small") }
    }

    @Test func tenThousandElementArraysRoundTrip() async throws {
        let connection = try await TestServer.connection()
        let numbers = (0..<10_000).map { $0 * 7 - 35_000 }
        #expect(try await connection.roundTrip(numbers, as: "int8[]") == numbers)
        let labels = (0..<10_000).map { "etykieta-\($0)-ż" }
        #expect(try await connection.roundTrip(labels, as: "text[]") == labels)
        let sum = try await connection.query("SELECT sum(n)::int8 AS total FROM unnest($1::int8[]) AS n", [numbers])
        #expect(try sum[0].decode(Int.self, column: "total") == numbers.reduce(0, +))
    }

    @Test func unnestInsertsAndUpdatesAThousandRowsInOneStatementEach() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute(
            "CREATE TABLE accounts (id uuid PRIMARY KEY, balance int8 NOT NULL, label text, active bool NOT NULL)"
        )
        let ids = (0..<1_000).map { _ in UUID() }
        let inserted = try await connection.execute(
            "INSERT INTO accounts SELECT * FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::bool[])",
            [ids, Array(0..<1_000), ids.indices.map { $0 % 10 == 0 ? nil : "konto \($0)" } as [String?], ids.indices.map { $0 % 2 == 0 }]
        )
        #expect(inserted == 1_000)
        let updated = try await connection.execute(
            "UPDATE accounts SET balance = u.balance FROM unnest($1::uuid[], $2::int8[]) AS u(id, balance) WHERE accounts.id = u.id",
            [ids, ids.indices.map { $0 * 100 }]
        )
        #expect(updated == 1_000)
        let rows = try await connection.query(
            "SELECT sum(balance)::int8 AS total, count(label) AS labelled, count(*) FILTER (WHERE active) AS active FROM accounts"
        )
        #expect(try rows[0].decode(Int.self, column: "total") == (0..<1_000).reduce(0) { $0 + $1 * 100 })
        #expect(try rows[0].decode(Int.self, column: "labelled") == 900)
        #expect(try rows[0].decode(Int.self, column: "active") == 500)
        let back = try await connection.query("SELECT array_agg(id ORDER BY balance) AS ids FROM accounts")
        #expect(try back[0].decode([UUID].self, column: "ids") == ids)
    }
}
