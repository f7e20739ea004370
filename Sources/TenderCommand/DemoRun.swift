import EphemeralPostgres
import Foundation
import Hummingbird
import LibPQ
import Logging
import ServiceLifecycle
import Tender
import TenderConvergeGate
import TenderHTTP
import TenderPostgres
import TenderSandbox

/// One demo run against a database: migrates it, then runs the sandbox gateway, the webhook
/// server, the engine and the demo's order system in one `ServiceGroup`, and collects the summary.
/// The engine runs in-process, so no `/v1` API (and no API token) is involved.
struct DemoRun {
    let scenario: DemoScenario
    let databaseURL: String
    let metrics: DemoMetrics
    let interruption: DemoInterruption
    let logger: Logger
    let say: @Sendable (String) -> Void

    func run() async throws -> DemoSummary {
        let pool = PostgresPool(configuration: try PostgresConfiguration(connectionString: databaseURL), size: 8, logger: logger)
        do {
            let summary = try await run(pool: pool)
            await pool.close()
            return summary
        } catch {
            await pool.close()
            throw error
        }
    }

    private func run(pool: PostgresPool) async throws -> DemoSummary {
        let migrator = Migrator(logger: logger)
        let applied = try await migrator.migrate(pool)
        say("  schema: version \(migrator.latestVersion)" + (applied.isEmpty ? " (already current)" : " (applied \(applied.map(String.init).joined(separator: ", ")))"))
        try await interruption.check()

        let runID = String(UUID().uuidString.prefix(8)).lowercased()
        let secretKey = "sk_test_demo_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        let gatewayPort = try FreePort.pick()
        let webhookPort = try FreePort.pick()
        let webhookURL = "http://127.0.0.1:\(webhookPort)/webhooks/convergegate"
        var sandboxConfiguration = scenario.sandboxConfiguration(secretKey: secretKey, webhookURL: webhookURL)
        sandboxConfiguration.port = gatewayPort
        let sandbox = ConvergeGateSandbox(configuration: sandboxConfiguration, logger: logger)
        let gatewayURL = "http://127.0.0.1:\(gatewayPort)"

        let store = PostgresPaymentStore(pool: pool, machine: AttemptMachine(policy: scenario.policy), logger: logger)
        let client = ConvergeGateClient(configuration: try ConvergeGateConfiguration(baseURL: gatewayURL, secretKey: secretKey), logger: logger)
        var configuration = EngineConfiguration()
        configuration.workerID = "demo-\(runID)"
        configuration.policy = scenario.policy
        configuration.webhookURL = webhookURL
        let engine = PaymentEngine(store: store, gateway: client, configuration: configuration, logger: logger)

        let router = Router()
        WebhookRoutes(engine: engine).add(to: router)
        let webhookServer = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: webhookPort)), logger: logger
        )

        let payments = scenario.plannedPayments(runID: runID)
        let tracker = DemoTracker(planned: payments.map(\.paymentID))
        let ending = DemoEndingBox()
        let driver = DemoDriver(
            engine: engine, payments: payments, tracker: tracker, progress: DemoProgress(), patience: scenario.patience,
            logger: logger, ready: { try await sandbox.waitUntilListening() }, ended: { await ending.set($0, $1) }
        )
        var groupConfiguration = ServiceGroupConfiguration(
            services: [
                .init(service: sandbox, serviceName: "sandbox"),
                .init(service: webhookServer, serviceName: "webhooks"),
                .init(service: engine, serviceName: "engine"),
                .init(service: driver, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "demo"),
            ],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(15)
        let group = ServiceGroup(configuration: groupConfiguration)

        say("  gateway: ConvergeGate sandbox at \(gatewayURL), webhooks to \(webhookURL)")
        say("  engine: in-process (worker \(configuration.workerID)); no /v1 API is served, so no API token is needed")
        say("  payers confirm in 10-80 s of bank time; 10% never confirm, ~5% are declined; 10% of webhooks are lost\n")

        do {
            guard await interruption.attach(group) else { throw DemoInterrupted() }
            try await group.run()
            try await client.shutdown()
        } catch {
            try? await client.shutdown()
            throw error
        }

        var attempts: [Attempt] = []
        let submitted = await tracker.attempts
        for payment in payments where submitted[payment.paymentID] != nil {
            if let record = try await store.payment(payment.paymentID) {
                attempts += record.attempts
            }
        }
        let end = await ending.value
        return DemoSummary(
            attempts: attempts,
            rejections: await tracker.rejections,
            lateness: Dictionary(
                metrics.timerSeconds("tender_task_lateness_seconds").map { ($0.key.dimension("kind") ?? "-", $0.value) },
                uniquingKeysWith: +
            ),
            webhooks: Dictionary(
                metrics.counters("tender_webhooks_total").map { ($0.key.dimension("result") ?? "-", $0.value) },
                uniquingKeysWith: +
            ),
            ledger: await sandbox.ledger(),
            ending: end?.ending ?? .interrupted,
            elapsed: end?.snapshot.elapsed ?? 0
        )
    }
}

/// Holds how the driver ended, for after the group has stopped.
actor DemoEndingBox {
    private(set) var value: (ending: DemoDriver.Ending, snapshot: DemoTracker.Snapshot)?

    func set(_ ending: DemoDriver.Ending, _ snapshot: DemoTracker.Snapshot) {
        value = (ending, snapshot)
    }
}
