import LibPQ
import Testing

@Suite struct PostgresErrorTests {
    /// Runs `body` and returns the `PostgresError` it throws.
    private func postgresError(_ body: () async throws -> Void) async throws -> PostgresError {
        try await #require(throws: PostgresError.self) { try await body() }
    }

    @Test func uniqueViolationNamesTheConstraintButNotTheValue() async throws {
        let connection = try await TestServer.connection()
        try await connection.execute("CREATE TABLE customers (email text CONSTRAINT customers_email_key UNIQUE)")
        try await connection.execute("INSERT INTO customers VALUES ($1)", ["hunter2-secret@example.com"])
        let error = try await postgresError {
            try await connection.execute("INSERT INTO customers VALUES ($1)", ["hunter2-secret@example.com"])
        }
        #expect(error.code == .uniqueViolation)
        #expect(error.sqlState == "23505")
        #expect(error.constraint == "customers_email_key")
        #expect(!error.description.contains("hunter2"))
        #expect(error.description.contains("customers_email_key"))
    }

    @Test func syntaxErrorAndUndefinedTableAreTyped() async throws {
        let connection = try await TestServer.connection()
        let syntax = try await postgresError { try await connection.query("SELEC 1") }
        #expect(syntax.code == .syntaxError)
        let undefined = try await postgresError { try await connection.query("SELECT * FROM no_such_table") }
        #expect(undefined.code == .undefinedObject)
        #expect(undefined.sqlState == "42P01")
    }

    @Test func dataExceptionDescriptionLeavesOutTheQuotedValue() async throws {
        let connection = try await TestServer.connection()
        let error = try await postgresError {
            try await connection.query("SELECT $1::text::int AS n", ["hunter2-secret-token"])
        }
        #expect(error.sqlState == "22P02")
        #expect(error.code == .server)
        #expect(error.serverMessage?.contains("hunter2") == true)  // PostgreSQL does quote it…
        #expect(!error.description.contains("hunter2"))  // …but the description does not.
        #expect(!String(describing: error as any Error).contains("hunter2"))
    }

    @Test func conflictingSerializableTransactionsFailWithSerializationFailure() async throws {
        let database = try await TestServer.database()
        let first = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let second = try await PostgresConnection.connect(database, logger: TestServer.logger)
        try await first.execute("CREATE TABLE doctors (id int PRIMARY KEY, on_call bool NOT NULL)")
        try await first.execute("INSERT INTO doctors VALUES (1, true), (2, true)")

        // Write skew: each reads both rows, then takes a different one off call.
        try await first.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        try await second.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
        try await first.query("SELECT count(*) FROM doctors WHERE on_call")
        try await second.query("SELECT count(*) FROM doctors WHERE on_call")
        try await first.execute("UPDATE doctors SET on_call = false WHERE id = 1")
        try await second.execute("UPDATE doctors SET on_call = false WHERE id = 2")
        try await first.execute("COMMIT")
        let error = try await postgresError { try await second.execute("COMMIT") }
        #expect(error.code == .serializationFailure)
        #expect(error.sqlState == "40001")
        #expect(await second.isHealthy)
    }

    @Test func deadlockIsASerializationFailure() async throws {
        let database = try await TestServer.database()
        let first = try await PostgresConnection.connect(database, logger: TestServer.logger)
        let second = try await PostgresConnection.connect(database, logger: TestServer.logger)
        try await first.execute("CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL)")
        try await first.execute("INSERT INTO accounts VALUES (1, 0), (2, 0)")
        try await first.execute("BEGIN")
        try await second.execute("BEGIN")
        try await first.execute("UPDATE accounts SET balance = 1 WHERE id = 1")
        try await second.execute("UPDATE accounts SET balance = 1 WHERE id = 2")
        // Each now waits for the other's lock; PostgreSQL aborts one of them.
        let a = Task { try await first.execute("UPDATE accounts SET balance = 2 WHERE id = 2") }
        let b = Task { try await second.execute("UPDATE accounts SET balance = 2 WHERE id = 1") }
        let results = [await a.result, await b.result]
        let errors = results.compactMap { result -> PostgresError? in
            if case .failure(let error) = result { return error as? PostgresError }
            return nil
        }
        #expect(errors.count == 1)
        #expect(errors.first?.code == .serializationFailure)
        #expect(errors.first?.sqlState == "40P01")
    }

    @Test func codesCompareByKind() {
        #expect(PostgresError.Code.timeout != .queryCancelled)
        #expect("\(PostgresError.Code.uniqueViolation)" == "uniqueViolation")
    }
}
