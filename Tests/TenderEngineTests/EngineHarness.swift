import EphemeralPostgres
import Foundation
import Hummingbird
import LibPQ
import Logging
import Tender
import TenderConvergeGate
import TenderHTTP
import TenderPostgres
import TenderSandbox

let testDatabase = SharedTestDatabase(existingServerVariable: "TENDER_TEST_DATABASE_URL")

/// Everything a payment needs, for real: a fresh database, the sandbox gateway over HTTP, the
/// ConvergeGate client, the engine, and the webhook route on a port of its own.
struct EngineHarness: Sendable {
    static let secretKey = "sk_test_engine_harness"

    let engine: PaymentEngine
    let store: PostgresPaymentStore
    let sandbox: ConvergeGateSandbox

    /// Timings compressed for tests: a 3 s window to confirm, polls every 300 ms.
    static var fastPolicy: AttemptPolicy {
        var policy = AttemptPolicy()
        policy.confirmationWindow = .seconds(3)
        policy.firstPollDelay = .milliseconds(200)
        policy.pollInterval = .milliseconds(300)
        policy.gracePeriod = .seconds(6)
        policy.gracePollInterval = .milliseconds(400)
        policy.retryBackoff = .milliseconds(100)
        policy.maximumRetryBackoff = .milliseconds(400)
        policy.sessionLifetimeBeyondDeadline = .seconds(30)
        return policy
    }

    /// Starts everything, runs `body`, and stops everything.
    static func run(
        sandbox sandboxConfiguration: SandboxConfiguration = SandboxConfiguration(secretKey: secretKey),
        policy: AttemptPolicy = fastPolicy,
        readTimeout: Duration = .seconds(5),
        _ body: @Sendable (EngineHarness) async throws -> Void
    ) async throws {
        let logger = Logger(label: "tender.test")
        let pool = PostgresPool(configuration: try PostgresConfiguration(connectionString: try await testDatabase.makeDatabase()), size: 8, logger: logger)
        try await Migrator(logger: logger).migrate(pool)
        let store = PostgresPaymentStore(pool: pool, machine: AttemptMachine(policy: policy), logger: logger)
        let webhookPort = try FreePort.pick()

        var sandboxConfiguration = sandboxConfiguration
        sandboxConfiguration.secretKey = secretKey
        try await ConvergeGateSandbox.withRunning(sandboxConfiguration, logger: logger) { sandbox in
            let client = ConvergeGateClient(
                configuration: try ConvergeGateConfiguration(
                    baseURL: await sandbox.baseURL, secretKey: secretKey,
                    timeouts: .init(connect: .seconds(2), read: readTimeout)
                ),
                logger: logger
            )
            var configuration = EngineConfiguration()
            configuration.policy = policy
            configuration.webhookURL = "http://127.0.0.1:\(webhookPort)/webhooks/convergegate"
            configuration.sweepInterval = .milliseconds(250)
            configuration.leaseDuration = .seconds(10)
            configuration.pollBudget = 1000
            let engine = PaymentEngine(store: store, gateway: client, configuration: configuration, logger: logger)

            let router = Router()
            WebhookRoutes(engine: engine).add(to: router)
            let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: webhookPort)), logger: logger)

            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                group.addTask { try await app.runService() }
                defer { group.cancelAll() }
                try await body(EngineHarness(engine: engine, store: store, sandbox: sandbox))
            }
            try await client.shutdown()
        }
        await pool.close()
    }

    /// Submits a payment of 10.00 PLN with `code`.
    func submit(_ paymentID: String = UUID().uuidString, code: String = "123456", key: String = UUID().uuidString) async throws -> Attempt {
        try await engine.submit(
            paymentID: PaymentID(rawValue: paymentID),
            amount: Money(minorUnits: 1000, currency: .pln),
            customer: Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski"),
            code: BLIKCode(code),
            idempotencyKey: key
        ).attempt
    }

    /// Waits until the attempt reaches one of `states`, polling the store; fails after `timeout`.
    func waitFor(_ id: AttemptID, in states: Set<AttemptState>, timeout: Duration = .seconds(60)) async throws -> Attempt {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if let attempt = try await store.attempt(id), states.contains(attempt.state) {
                return attempt
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HarnessTimeout(attemptID: id, states: states)
    }

    /// Waits until `condition` holds; returns whether it did within `timeout`.
    func waitUntil(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    /// The events of one attempt in the outbox.
    func events(of id: AttemptID) async throws -> [OrderEvent] {
        try await store.events(after: 0, limit: 10_000).filter { $0.attemptID == id }
    }
}

struct HarnessTimeout: Error, CustomStringConvertible {
    var attemptID: AttemptID
    var states: Set<AttemptState>
    var description: String { "attempt \(attemptID) did not reach \(states.map(\.rawValue).sorted())" }
}
