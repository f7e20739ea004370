import EphemeralPostgres

/// Fresh databases for the tests, on the process's one test server (or on the server
/// `TENDER_TEST_DATABASE_URL` names).
public let testDatabase = SharedTestDatabase(existingServerVariable: "TENDER_TEST_DATABASE_URL")
