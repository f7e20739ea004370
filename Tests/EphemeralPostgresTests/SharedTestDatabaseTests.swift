import Foundation
import Testing

@testable import EphemeralPostgres

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite("SharedTestDatabase")
struct SharedTestDatabaseTests {
    @Test("every call gives a new database on the one shared server")
    func freshDatabases() async throws {
        let testDatabase = SharedTestDatabase()
        let first = try await testDatabase.makeDatabase()
        let second = try await testDatabase.makeDatabase()
        #expect(first != second)
        #expect(URLComponents(string: first)?.port == URLComponents(string: second)?.port)

        let binaries = try PostgresBinaries.locate(required: ["psql"], searchPaths: nil, serverUser: "postgres")
        #expect(try await psql(binaries.directory, url: first, "select 1") == "1")
        #expect(try await psql(binaries.directory, url: second, "select 1") == "1")
    }

    @Test("a server named by the environment variable is used instead of starting one")
    func existingServer() async throws {
        let server = try await EphemeralPostgres.start()
        defer { Task { await server.stop() } }
        let variable = "EPHEMERAL_POSTGRES_TEST_\(UUID().uuidString.replacingOccurrences(of: "-", with: "_"))"
        setenv(variable, server.url, 1)
        defer { unsetenv(variable) }

        let url = try await SharedTestDatabase(existingServerVariable: variable).makeDatabase()
        let components = try #require(URLComponents(string: url))
        #expect(components.port == server.port)
        let name = String(components.path.dropFirst())
        #expect(name.hasPrefix("test_"))
        #expect(
            try await psql(server.binaryDirectory, url: server.url, "select count(*) from pg_database where datname = '\(name)'")
                == "1"
        )
    }

    @Test(
        "the database of an existing server's address is replaced",
        arguments: [
            ("postgresql://app@db.example:6543/postgres?sslmode=disable", "postgresql://app@db.example:6543/t1?sslmode=disable"),
            ("postgres://app@db.example/", "postgres://app@db.example/t1"),
            ("host=db.example user=app", "host=db.example user=app dbname=t1"),
        ]
    )
    func databaseReplacedInURL(existing: String, expected: String) {
        #expect(SharedTestServer.Server.url(existing, database: "t1") == expected)
    }
}
