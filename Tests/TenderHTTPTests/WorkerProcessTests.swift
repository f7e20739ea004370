import EphemeralPostgres
import Foundation
import Hummingbird
import LibPQ
import Logging
import Tender
import TenderClient
import TenderConvergeGate
import TenderPostgres
import TenderSandbox
import TenderTestKit
import TenderWorker
import Testing

/// `tender worker` as a process: its configuration checks, and a graceful shutdown that loses no
/// in-flight work.
@Suite(.serialized, .heavy) struct WorkerProcessTests {
    static let gatewayKey = "sk_test_worker_process"

    @Test("a worker with no database URL refuses to start and names the variable")
    func missingDatabaseURL() async throws {
        let worker = try TenderProcess(["worker"], environment: [:])
        #expect(try await worker.exitStatus() != 0)
        #expect(worker.log.contains("TENDER_DATABASE_URL"))
    }

    @Test("a worker on a public address without a token refuses to start and says why")
    func publicAddressNeedsToken() async throws {
        let worker = try TenderProcess(
            ["worker", "--http-host", "0.0.0.0"],
            environment: [
                "TENDER_DATABASE_URL": "postgresql://tender:hunter2-secret@127.0.0.1:1/tender",
                "TENDER_GATEWAY_URL": "http://127.0.0.1:1",
                "TENDER_GATEWAY_SECRET_KEY": Self.gatewayKey,
            ]
        )
        #expect(try await worker.exitStatus() != 0)
        #expect(worker.log.contains("TENDER_API_TOKEN"))
        #expect(worker.log.contains("loopback"))
        #expect(!worker.log.contains("hunter2-secret"))
        #expect(!worker.log.contains(Self.gatewayKey))
    }

    @Test("a bad setting is named without echoing secrets")
    func badSettingsAreNamed() async throws {
        let base = [
            "TENDER_DATABASE_URL": "postgresql://tender:hunter2-secret@127.0.0.1:1/tender",
            "TENDER_GATEWAY_URL": "http://127.0.0.1:1",
            "TENDER_GATEWAY_SECRET_KEY": Self.gatewayKey,
        ]
        let cases: [([String: String], String)] = [
            (base.merging(["TENDER_HTTP_PORT": "80000"]) { $1 }, "TENDER_HTTP_PORT"),
            (base.merging(["TENDER_GATEWAY_URL": "ftp://gateway"]) { $1 }, "TENDER_GATEWAY_URL"),
            (base.merging(["TENDER_GATEWAY_SECRET_KEY_FILE": "/nonexistent"]) { $1 }, "TENDER_GATEWAY_SECRET_KEY"),
            (base.merging(["TENDER_API_TOKEN": "short"]) { $1 }, "TENDER_API_TOKEN"),
            (base.merging(["TENDER_LOG_LEVEL": "loud"]) { $1 }, "TENDER_LOG_LEVEL"),
            (base.merging(["TENDER_DB_POOL_SIZE": "0"]) { $1 }, "TENDER_DB_POOL_SIZE"),
            (base.merging(["TENDER_POLL_BUDGET": "abc"]) { $1 }, "TENDER_POLL_BUDGET"),
            (base.merging(["TENDER_REFUND_DUPLICATES": "perhaps"]) { $1 }, "TENDER_REFUND_DUPLICATES"),
            (base.merging(["TENDER_CONFIG_FILE": "/nonexistent/worker.env"]) { $1 }, "TENDER_CONFIG_FILE"),
        ]
        for (environment, setting) in cases {
            let worker = try TenderProcess(["worker"], environment: environment)
            #expect(try await worker.exitStatus() != 0)
            #expect(worker.log.contains(setting), "\(setting): \(worker.log)")
            #expect(!worker.log.contains("hunter2-secret"))
            #expect(!worker.log.contains(Self.gatewayKey))
        }
    }

    @Test("--print-configuration prints the effective settings, secrets redacted, and exits 0")
    func printConfiguration() async throws {
        let worker = try TenderProcess(
            ["worker", "--print-configuration", "--max-concurrent-calls", "12"],
            environment: [
                "TENDER_DATABASE_URL": "postgresql://tender:hunter2-secret@127.0.0.1:1/tender",
                "TENDER_GATEWAY_URL": "http://127.0.0.1:1",
                "TENDER_GATEWAY_SECRET_KEY": Self.gatewayKey,
                "TENDER_API_TOKEN": "print-test-token-0b7e4d2c",
                "TENDER_REFUND_DUPLICATES": "false",
                "TENDER_POLL_BUDGET": "7",
                "TENDER_MAX_CONCURRENT_CALLS": "99",
            ]
        )
        #expect(try await worker.exitStatus() == 0, "\(worker.log)")
        #expect(worker.log.contains("TENDER_REFUND_DUPLICATES=false"))
        #expect(worker.log.contains("TENDER_POLL_BUDGET=7"))
        #expect(worker.log.contains("TENDER_MAX_CONCURRENT_CALLS=12"), "the flag wins over the variable")
        #expect(worker.log.contains("TENDER_CONFIRMATION_TIMEOUT=90"))
        #expect(worker.log.contains("TENDER_API_TOKEN=<redacted>"))
        for secret in ["hunter2-secret", Self.gatewayKey, "print-test-token-0b7e4d2c"] {
            #expect(!worker.log.contains(secret))
        }
    }

    @Test("SIGTERM stops a busy worker with status 0, and a fresh engine finishes every payment it took")
    func gracefulShutdownLosesNothing() async throws {
        let logger = Logger(label: "tender.http.test.process")
        let databaseURL = try await testDatabase.makeDatabase()
        let port = try FreePort.pick()
        let token = "process-test-token-5d1c0a"
        try await ConvergeGateSandbox.withRunning(SandboxConfiguration(secretKey: Self.gatewayKey), logger: logger) { sandbox in
            let base = "http://127.0.0.1:\(port)"
            // Held by the bank until the test says so, or completed at once.
            let codes = ["000013", "000013", "000013", "000012", "000012", "000004"]
            let paymentIDs = try await TenderProcess.withRunning(
                ["worker", "--http-port", "\(port)"],
                environment: [
                    "TENDER_DATABASE_URL": databaseURL,
                    "TENDER_GATEWAY_URL": await sandbox.baseURL,
                    "TENDER_GATEWAY_SECRET_KEY": Self.gatewayKey,
                    "TENDER_API_TOKEN": token,
                    "TENDER_LOG_LEVEL": "notice",
                ]
            ) { worker in
                try await worker.waitUntilReady(at: base)
                // The worker as the order system drives it: through the typed client.
                let tender = TenderClient(serverURL: try #require(URL(string: base)), token: token, timeout: .seconds(10))
                var paymentIDs: [String] = []
                for code in codes {
                    let id = "order-\(UUID().uuidString)"
                    let submitted = try await tender.submit(APIHarness.paymentRequest(id: id, code: code), idempotencyKey: "key-\(id)")
                    #expect(!submitted.replayed, "201 Created")
                    #expect(submitted.value.paymentId == id)
                    paymentIDs.append(id)
                }

                worker.signal(SIGTERM)
                #expect(try await worker.exitStatus() == 0, "\(worker.log)")
                #expect(!worker.log.contains(token))
                #expect(!worker.log.contains(Self.gatewayKey))
                return paymentIDs
            }

            // A fresh engine on the same database takes over; the bank confirms the held sessions.
            var engine = EngineConfiguration()
            engine.sweepInterval = .milliseconds(250)
            var configuration = TenderConfiguration(
                database: try PostgresConfiguration(connectionString: databaseURL),
                gateway: try ConvergeGateConfiguration(baseURL: await sandbox.baseURL, secretKey: Self.gatewayKey),
                engine: engine
            )
            configuration.poolSize = 4
            try await TenderStack.withStack(configuration, logger: logger) { stack in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await stack.engine.run() }
                    defer { group.cancelAll() }
                    try await Self.confirmUntilFinal(paymentIDs, store: stack.store, sandbox: sandbox)
                }
            }
        }
    }

    /// Has the bank confirm every session awaiting confirmation until all of `paymentIDs` are
    /// final, then checks that five completed and one failed.
    private static func confirmUntilFinal(_ paymentIDs: [String], store: PostgresPaymentStore, sandbox: ConvergeGateSandbox) async throws {
        var states: [String: AttemptState] = [:]
        let final = try await waitUntil(timeout: .seconds(120), every: .milliseconds(200)) {
            for id in paymentIDs {
                guard let payment = try await store.payment(PaymentID(rawValue: id)) else { continue }
                states[id] = payment.state
                for attempt in payment.attempts where attempt.state == .awaitingConfirmation {
                    if let session = attempt.sessionID { try? await sandbox.complete(sessionID: session) }
                }
            }
            return states.count == paymentIDs.count && states.values.allSatisfy { $0 == .completed || $0 == .failed }
        }
        #expect(final, "waiting for every payment to end: \(states)")
        #expect(states.values.filter { $0 == .completed }.count == 5, "\(states)")
        #expect(states.values.filter { $0 == .failed }.count == 1, "\(states)")
    }
}
