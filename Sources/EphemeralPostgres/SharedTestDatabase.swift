import Foundation
import Logging

/// A fresh database for every test, on one server per test process.
///
/// The first ``makeDatabase()`` starts a throwaway ``EphemeralPostgres`` (fast, not durable)
/// that all later calls share; it is shut down when the process exits, and its watchdog removes
/// it if the process crashes. When the environment variable named by
/// ``existingServerVariable`` holds a URL, that server is used instead and nothing is started.
///
/// ```swift
/// let testDatabase = SharedTestDatabase(existingServerVariable: "TENDER_TEST_DATABASE_URL")
///
/// @Test func storesAnAttempt() async throws {
///     let url = try await testDatabase.makeDatabase()
///     // … connect to url …
/// }
/// ```
public struct SharedTestDatabase: Sendable {
    /// The environment variable that may name an existing server to use, or `nil`.
    public let existingServerVariable: String?

    /// A handle on the process-wide test server.
    ///
    /// - Parameter existingServerVariable: an environment variable that, when set to a
    ///   PostgreSQL URL (or keyword/value connection string) of a superuser, makes the tests use
    ///   that server instead of starting one.
    public init(existingServerVariable: String? = nil) {
        self.existingServerVariable = existingServerVariable
    }

    /// Creates a database with a unique name (`test_` and 32 hexadecimal digits) and returns its
    /// URL.
    public func makeDatabase() async throws -> String {
        let existingURL = self.existingServerVariable
            .flatMap { ProcessInfo.processInfo.environment[$0] }
            .flatMap { $0.isEmpty ? nil : $0 }
        let server = try await SharedTestServer.instance.server(existingURL: existingURL)
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        return try await server.createDatabase(name)
    }
}

/// The servers behind ``SharedTestDatabase``: at most one started per process, and one handle
/// per existing server URL.
actor SharedTestServer {
    /// The one instance of the process.
    static let instance = SharedTestServer()

    /// A server that databases are created in.
    enum Server: Sendable {
        /// The throwaway server this process started.
        case ephemeral(EphemeralPostgres)
        /// A server that runs already, reached through a superuser URL.
        case existing(url: String, binaries: PostgresBinaries)

        /// Creates a database and returns its URL.
        func createDatabase(_ name: String) async throws -> String {
            switch self {
            case .ephemeral(let server):
                return try await server.createDatabase(name)
            case .existing(let url, let binaries):
                try await binaries.clientCommand("createdb", ["--maintenance-db=\(url)", "--", name]).runChecked()
                return Self.url(url, database: name)
            }
        }

        /// `url` with its database replaced by `database`.
        static func url(_ url: String, database: String) -> String {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://"),
                var components = URLComponents(string: url)
            else {
                // A keyword/value connection string: a later keyword overrides an earlier one.
                return "\(url) dbname=\(database)"
            }
            components.path = "/\(database)"
            return components.string ?? url
        }
    }

    private var ephemeral: Task<Server, any Error>?
    private var existing: [String: Server] = [:]

    /// The server to create databases in: the existing one at `existingURL`, or else the
    /// process's throwaway server, started on first use. A failed start is remembered, so that
    /// every later test fails at once with the same error.
    func server(existingURL: String?) async throws -> Server {
        if let existingURL {
            if let server = self.existing[existingURL] {
                return server
            }
            let binaries = try PostgresBinaries.locate(required: ["createdb"], searchPaths: nil, serverUser: "postgres")
            let server = Server.existing(url: existingURL, binaries: binaries)
            self.existing[existingURL] = server
            return server
        }
        if let ephemeral = self.ephemeral {
            return try await ephemeral.value
        }
        let starting = Task<Server, any Error> {
            let server = try await EphemeralPostgres.start(.fast, logger: Logger(label: "SharedTestDatabase"))
            ExitHook.stopAtExit(dataDirectory: server.dataDirectory)
            return .ephemeral(server)
        }
        self.ephemeral = starting
        return try await starting.value
    }
}
