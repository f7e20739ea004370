import Foundation
import Tender
import TenderWorker
import Testing

/// Reading a worker's configuration: precedence of the sources, defaults, and refusals that name
/// the setting and never its value.
@Suite("Configuration")
struct ConfigurationTests {
    static let required = [
        "TENDER_DATABASE_URL": "postgresql://tender:hunter2-secret@127.0.0.1:5432/tender",
        "TENDER_GATEWAY_URL": "https://gateway.example",
        "TENDER_GATEWAY_SECRET_KEY": "sk_live_configuration_test",
    ]

    static func read(_ environment: [String: String], flags: [String: String] = [:]) async throws -> TenderConfiguration {
        let reader = try await TenderConfiguration.reader(flags: flags, environment: required.merging(environment) { $1 })
        return try TenderConfiguration(reading: reader)
    }

    @Test("every setting has its documented default")
    func defaults() async throws {
        let configuration = try await Self.read([:])
        #expect(configuration.engine.policy.refundsDuplicates)
        #expect(configuration.engine.policy.confirmationWindow == .seconds(90))
        #expect(configuration.engine.pollBudget == 50)
        #expect(configuration.engine.maximumConcurrentCalls == 32)
        #expect(configuration.engine.leaseDuration == .seconds(30))
        #expect(configuration.engine.policy.pollGrid == .seconds(1))
        #expect(configuration.engine.pollBatchWindow == .milliseconds(20))
        #expect(configuration.gateway.timeouts.read == .seconds(10))
        #expect(configuration.poolSize == 10)
        #expect(configuration.port == 8080)
        for (setting, value) in configuration.effectiveValues {
            if let documented = setting.defaultValue, setting != .workerID {
                #expect(value == documented, "\(setting.variable)")
            }
        }
    }

    @Test("engine and policy settings reach the engine's configuration")
    func engineSettings() async throws {
        let configuration = try await Self.read([
            "TENDER_CONFIRMATION_TIMEOUT": "45", "TENDER_POLL_INTERVAL": "2.5", "TENDER_POLL_BUDGET": "7",
            "TENDER_MAX_CONCURRENT_CALLS": "12", "TENDER_LEASE_SECONDS": "20", "TENDER_GATEWAY_TIMEOUT": "3",
            "TENDER_GATEWAY_SUCCESS_URL": "https://shop.example/thanks", "TENDER_REFUND_DUPLICATES": "false",
            "TENDER_POLL_GRID": "0", "TENDER_POLL_BATCH_WINDOW": "0.05", "TENDER_POLL_BATCH_SIZE": "40",
        ])
        #expect(configuration.engine.policy.confirmationWindow == .seconds(45))
        #expect(configuration.engine.policy.pollInterval == .milliseconds(2500))
        #expect(configuration.engine.pollBudget == 7)
        #expect(configuration.engine.maximumConcurrentCalls == 12)
        #expect(configuration.engine.leaseDuration == .seconds(20))
        #expect(configuration.gateway.timeouts.read == .seconds(3))
        #expect(configuration.gateway.successURL == "https://shop.example/thanks")
        #expect(!configuration.engine.policy.refundsDuplicates)
        #expect(configuration.engine.policy.pollGrid == .zero)
        #expect(configuration.engine.pollBatchWindow == .milliseconds(50))
        #expect(configuration.engine.pollBatchSize == 40)
    }

    @Test("a flag beats the environment, which beats the configuration file")
    func precedence() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("tender-\(UUID().uuidString).env")
        try "# worker settings\nTENDER_POLL_BUDGET=9\nTENDER_POLL_INTERVAL=2\nTENDER_LEASE_SECONDS=40\n".write(
            to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let configuration = try await Self.read(
            ["TENDER_CONFIG_FILE": file.path, "TENDER_POLL_BUDGET": "7", "TENDER_LEASE_SECONDS": "25"],
            flags: ["TENDER_LEASE_SECONDS": "15"]
        )
        #expect(configuration.engine.pollBudget == 7)
        #expect(configuration.engine.policy.pollInterval == .seconds(2))
        #expect(configuration.engine.leaseDuration == .seconds(15))
    }

    @Test(
        "a bad value is refused with an error naming the setting, never the value",
        arguments: [
            ("TENDER_POLL_BUDGET", "abc"), ("TENDER_POLL_BUDGET", "-3"), ("TENDER_REFUND_DUPLICATES", "maybe-later"),
            ("TENDER_CONFIRMATION_TIMEOUT", "-5"), ("TENDER_MAX_CONCURRENT_CALLS", "1.5"), ("TENDER_LEASE_SECONDS", "nan"),
            ("TENDER_GATEWAY_TIMEOUT", "9999"), ("TENDER_GATEWAY_SUCCESS_URL", "ftp://shop"), ("TENDER_CONFIG_FILE", "/nonexistent/x.env"),
            ("TENDER_API_TOKEN", "short-token"), ("TENDER_DATABASE_URL", "postgresql://[broken"), ("TENDER_HTTP_REQUEST_TIMEOUT", "0.5"),
            ("TENDER_HTTP_REQUEST_TIMEOUT", "3601"), ("TENDER_LISTEN_DATABASE_URL", "postgresql://[broken"),
            ("TENDER_DB_TRANSACTION_POOLING", "sometimes"), ("TENDER_CONSOLE_TOKEN", "short-console"),
            ("TENDER_POLL_GRID", "-1"), ("TENDER_POLL_BATCH_WINDOW", "11"), ("TENDER_POLL_BATCH_SIZE", "-7"),
        ]
    )
    func refusals(variable: String, value: String) async throws {
        let error = await #expect(throws: TenderConfigurationError.self) {
            try await Self.read([variable: value])
        }
        #expect(error?.setting.variable == variable)
        #expect(error.map { !"\($0)".contains(value) } == true, "the message quotes the value: \(String(describing: error))")
    }

    @Test("transaction pooling needs a direct URL for the listener, the worker-id lock and migrations, and configures the pool for it")
    func transactionPooling() async throws {
        let error = await #expect(throws: TenderConfigurationError.self) {
            try await Self.read(["TENDER_DB_TRANSACTION_POOLING": "true"])
        }
        #expect(error?.setting == .listenDatabaseURL)

        let configuration = try await Self.read([
            "TENDER_DB_TRANSACTION_POOLING": "true", "TENDER_LISTEN_DATABASE_URL": "postgresql://tender@db-direct:5432/tender",
        ])
        #expect(!configuration.poolDatabase.preparesStatements)
        #expect(configuration.poolDatabase.sessionParameters.isEmpty, "a pooled session would keep them for other clients")
        #expect(configuration.sessionDatabase.value(of: "host") == "db-direct")
        #expect(configuration.sessionDatabase.preparesStatements)
        #expect(configuration.sessionDatabase.sessionParameters.contains { $0.name == "lock_timeout" })
    }

    @Test("the console is served with its own token, or without one on a loopback host only")
    func console() async throws {
        #expect(try await Self.read([:]).servesConsole, "the default host is loopback")
        let exposed = try await Self.read(["TENDER_HTTP_HOST": "0.0.0.0", "TENDER_API_TOKEN": "api-token-for-the-order-system"])
        #expect(!exposed.servesConsole)
        let guarded = try await Self.read([
            "TENDER_HTTP_HOST": "0.0.0.0", "TENDER_API_TOKEN": "api-token-for-the-order-system",
            "TENDER_CONSOLE_TOKEN": "console-token-for-operators",
        ])
        #expect(guarded.servesConsole)
        let shared = await #expect(throws: TenderConfigurationError.self) {
            try await Self.read(["TENDER_API_TOKEN": "one-token-for-everyone", "TENDER_CONSOLE_TOKEN": "one-token-for-everyone"])
        }
        #expect(shared?.setting == .consoleToken)
    }

    @Test("the printed configuration redacts the password, the secret key and the tokens")
    func redaction() async throws {
        let configuration = try await Self.read([
            "TENDER_API_TOKEN": "token-that-must-not-print", "TENDER_CONSOLE_TOKEN": "console-token-not-printed",
        ])
        let printed = "\(configuration)"
        #expect(printed.contains("TENDER_POLL_BUDGET=50"))
        #expect(printed.contains("TENDER_REFUND_DUPLICATES=true"))
        for secret in ["hunter2-secret", "sk_live_configuration_test", "token-that-must-not-print", "console-token-not-printed"] {
            #expect(!printed.contains(secret))
        }
    }

    @Test("every setting is listed once, with a flag of the variable's name")
    func settingsTable() {
        let variables = TenderSetting.all.map(\.variable)
        #expect(Set(variables).count == variables.count)
        #expect(TenderSetting.pollBudget.flag == "--poll-budget")
        #expect(TenderSetting.poolSize.flag == "--db-pool-size")
        #expect(variables.allSatisfy { $0.hasPrefix("TENDER_") })
    }
}
