import Foundation
import LibPQ
import Logging
import Tender
import TenderConvergeGate
import TenderTestKit
import TenderWorker
import Testing

/// The database timeouts a stack puts on every connection: the operator's connection string wins,
/// and a lock held past the lock timeout fails the transition instead of holding it forever.
@Suite("Database timeouts")
struct DatabaseTimeoutsTests {
    @Test("the timeouts become connection keywords and session parameters, except those the URL sets")
    func appliedToConfiguration() throws {
        var timeouts = DatabaseTimeouts()
        timeouts.connect = .seconds(7)
        timeouts.peerSilence = .seconds(12)
        timeouts.statement = .milliseconds(2500)
        let given = try PostgresConfiguration(
            connectionString: "postgresql://tender@db.example/tender?connect_timeout=3&options=-c%20lock_timeout%3D2s")
        let applied = timeouts.applied(to: given)
        #expect(applied.value(of: "connect_timeout") == "3", "the URL's own value wins")
        #expect(applied.value(of: "tcp_user_timeout") == "12000")
        #expect(applied.value(of: "keepalives") == "1")
        #expect(applied.value(of: "options") == "-c lock_timeout=2s", "the URL's options stay as given")
        let parameters = Dictionary(uniqueKeysWithValues: applied.sessionParameters.map { ($0.name, $0.value) })
        #expect(parameters == ["statement_timeout": "2500", "idle_in_transaction_session_timeout": "30000"], "the URL's lock_timeout wins")
        #expect(DatabaseTimeouts().applied(to: given.withDatabase("other")).value(of: "dbname") == "other")
    }

    @Test("every connection of a stack runs with the configured timeouts, and a lock held past the lock timeout fails the transition")
    func lockTimeout() async throws {
        let url = try await testDatabase.makeDatabase()
        var configuration = TenderConfiguration(
            database: try PostgresConfiguration(connectionString: url),
            gateway: try ConvergeGateConfiguration(baseURL: "http://127.0.0.1:9", secretKey: "sk_test_timeouts")
        )
        configuration.poolSize = 2
        configuration.databaseTimeouts.statement = .seconds(20)
        configuration.databaseTimeouts.lock = .milliseconds(300)
        let logger = Logger(label: "tender.test.timeouts")
        try await TenderStack.withStack(configuration, logger: logger) { stack in
            let shown = try await stack.pool.query("SELECT current_setting('statement_timeout') AS s, current_setting('lock_timeout') AS l")
            #expect(try shown[0].decode(String.self, column: "s") == "20s")
            #expect(try shown[0].decode(String.self, column: "l") == "300ms")

            let attempt = try await stack.engine.submit(
                paymentID: PaymentID(rawValue: UUID().uuidString), amount: Money(minorUnits: 1000, currency: .pln),
                customer: Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski"), code: BLIKCode("123456"),
                idempotencyKey: UUID().uuidString
            ).attempt
            // Another session holds the attempt's row, as a worker cut off mid-transition would.
            let holder = try await PostgresConnection.connect(try PostgresConfiguration(connectionString: url), logger: logger)
            try await holder.execute("BEGIN")
            try await holder.execute("SELECT 1 FROM attempts WHERE id = $1 FOR UPDATE", [attempt.id.rawValue])
            let error = await #expect(throws: PostgresError.self) {
                try await stack.engine.cancel(paymentID: attempt.paymentID)
            }
            #expect(error?.sqlState == "55P03", "lock_not_available: \(String(describing: error))")
            try await holder.execute("ROLLBACK")
            await holder.close()
            #expect(try await stack.engine.cancel(paymentID: attempt.paymentID).state == .canceled)
        }
    }
}
