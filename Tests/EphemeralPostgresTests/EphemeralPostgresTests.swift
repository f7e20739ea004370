import Foundation
import TenderTestKit
import Testing

@testable import EphemeralPostgres

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

@Suite("EphemeralPostgres")
struct EphemeralPostgresTests {
    @Test("a started server creates databases that accept queries, and stop removes it")
    func startCreateQueryStop() async throws {
        let server = try await EphemeralPostgres.start()
        #expect(server.url == "postgresql://postgres@127.0.0.1:\(server.port)/postgres")
        #expect(FileManager.default.fileExists(atPath: server.directory))

        let orders = try await server.createDatabase("orders")
        let ledger = try await server.createDatabase("ledger")
        #expect(orders == server.url(database: "orders"))
        #expect(try await psql(server.binaryDirectory, url: orders, "select current_database()") == "orders")
        #expect(try await psql(server.binaryDirectory, url: ledger, "select 1") == "1")

        await server.stop()
        #expect(!FileManager.default.fileExists(atPath: server.directory))
        #expect(!acceptsConnections(port: server.port))
    }

    @Test("restart(whileDown:) keeps the server down while its body runs, even when the body throws, and brings it back on the same port")
    func restartWhileDown() async throws {
        struct Planned: Error {}
        let server = try await EphemeralPostgres.start()
        defer { Task { await server.stop() } }
        let orders = try await server.createDatabase("orders")
        #expect(try await psql(server.binaryDirectory, url: orders, "create table kept as select 7 as n") == "SELECT 1")
        // A clean stop: the test server commits asynchronously, so `immediate` could lose the row.
        try await server.restart(mode: "fast") {
            #expect(!acceptsConnections(port: server.port))
        }
        #expect(try await psql(server.binaryDirectory, url: orders, "select n from kept") == "7")
        await #expect(throws: Planned.self) {
            try await server.restart(mode: "fast") { throw Planned() }
        }
        #expect(try await psql(server.binaryDirectory, url: orders, "select n from kept") == "7")
    }

    @Test("creating a database twice fails with the output of createdb")
    func duplicateDatabase() async throws {
        let server = try await EphemeralPostgres.start()
        defer { Task { await server.stop() } }
        try await server.createDatabase("twice")
        let error = try await #require(throws: EphemeralPostgresError.self) {
            try await server.createDatabase("twice")
        }
        #expect(error.code == .commandFailed)
        #expect(error.output?.contains("already exists") == true)
    }

    @Test(
        "durability and extra settings reach the server",
        arguments: [
            (EphemeralPostgres.Configuration.Durability.fast, "off", "1GB"),
            (.durable, "on", "4GB"),
        ]
    )
    func settings(durability: EphemeralPostgres.Configuration.Durability, fsync: String, maxWALSize: String) async throws {
        var configuration = EphemeralPostgres.Configuration(durability: durability)
        configuration.maxConnections = 50
        configuration.settings = ["work_mem": "7MB", "cluster_name": "it's quoted"]
        let server = try await EphemeralPostgres.start(configuration)
        defer { Task { await server.stop() } }

        let shown = try await psql(
            server.binaryDirectory,
            url: server.url,
            "select current_setting('fsync'), current_setting('max_wal_size'), current_setting('max_connections'), "
                + "current_setting('work_mem'), current_setting('cluster_name')"
        )
        #expect(shown == "\(fsync)|\(maxWALSize)|50|7MB|it's quoted")
    }

    @Test("the server stops and its directory goes when the owner process is killed")
    func noOrphanAfterOwnerIsKilled() async throws {
        let owner = Process()
        owner.executableURL = URL(fileURLWithPath: "/bin/sleep")
        owner.arguments = ["1000"]
        try owner.run()

        var configuration = EphemeralPostgres.Configuration.fast
        configuration.ownerProcessID = owner.processIdentifier
        let server = try await EphemeralPostgres.start(configuration)
        #expect(acceptsConnections(port: server.port))

        kill(owner.processIdentifier, SIGKILL)
        let gone = try await eventually(within: 120) {
            !FileManager.default.fileExists(atPath: server.directory) && !acceptsConnections(port: server.port)
        }
        #expect(gone, "waiting for the watchdog to stop the server and remove its directory")
        await server.stop()
    }

    @Test("missing binaries are reported with what to install")
    func missingBinaries() async throws {
        var configuration = EphemeralPostgres.Configuration.fast
        configuration.binarySearchPaths = ["/nonexistent/postgresql/bin"]
        let error = try await #require(throws: EphemeralPostgresError.self) {
            try await EphemeralPostgres.start(configuration)
        }
        #expect(error.code == .binariesNotFound)
        #expect(error.message.contains("initdb"))
        #expect(error.message.contains("apt-get install postgresql"))
    }

    @Test("a setting name that is not an identifier is refused before anything starts")
    func invalidSettingName() async throws {
        var configuration = EphemeralPostgres.Configuration.fast
        configuration.settings = ["work_mem = 1MB\nfsync": "on"]
        let error = try await #require(throws: EphemeralPostgresError.self) {
            try await EphemeralPostgres.start(configuration)
        }
        #expect(error.code == .invalidConfiguration)
    }
}
