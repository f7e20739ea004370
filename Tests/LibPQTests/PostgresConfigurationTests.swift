import LibPQ
import Testing

@Suite struct PostgresConfigurationTests {
    @Test func urlAndKeywordFormsAreAccepted() throws {
        let url = try PostgresConfiguration(connectionString: "postgresql://app:s3cret@db.example:6543/payments?sslmode=disable")
        #expect(url.database == "payments")
        #expect(url.connectionString.contains("port='6543'"))
        let keywords = try PostgresConfiguration(connectionString: "host=localhost dbname=orders user=app")
        #expect(keywords.database == "orders")
        #expect(keywords.withDatabase("other").database == "other")
    }

    @Test func malformedStringThrowsInvalidConfigurationWithoutEchoingIt() {
        #expect {
            try PostgresConfiguration(connectionString: "host=localhost password hunter2-not-a-pair")
        } throws: { error in
            let error = error as? PostgresError
            return error?.code == .invalidConfiguration && !(error?.description.contains("hunter2") ?? true)
        }
    }

    @Test(arguments: [
        "postgresql://app:hunter2-secret@localhost/db",
        "host=localhost user=app password=hunter2-secret dbname=db",
    ])
    func descriptionRedactsThePassword(_ connectionString: String) throws {
        let configuration = try PostgresConfiguration(connectionString: connectionString)
        #expect(!configuration.description.contains("hunter2"))
        #expect(configuration.description.contains("password=<redacted>"))
        #expect(configuration.connectionString.contains("hunter2-secret"))
    }
}
