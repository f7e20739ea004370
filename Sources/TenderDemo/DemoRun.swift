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
import TenderWorker

/// One demo run against a database: builds a Tender stack on it (migrating it) against the sandbox
/// gateway, then runs the sandbox, the worker's HTTP server, the engine and the demo's order system
/// in one `ServiceGroup`, and collects the summary. The order system calls the engine in-process;
/// the HTTP server takes the sandbox's webhooks (and serves `/v1` on loopback, without a token).
struct DemoRun {
    let scenario: DemoScenario
    let databaseURL: String
    let metrics: DemoMetrics
    let interruption: DemoInterruption
    let logger: Logger
    let say: @Sendable (String) -> Void

    func run() async throws -> DemoSummary {
        let runID = String(UUID().uuidString.prefix(8)).lowercased()
        let secretKey = "sk_test_demo_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())"
        let gatewayPort = try FreePort.pick()
        let webhookPort = try FreePort.pick()
        let webhookURL = "http://127.0.0.1:\(webhookPort)/webhooks/convergegate"
        var sandboxConfiguration = scenario.sandboxConfiguration(secretKey: secretKey, webhookURL: webhookURL)
        sandboxConfiguration.port = gatewayPort
        let sandbox = ConvergeGateSandbox(configuration: sandboxConfiguration, logger: logger)
        let gatewayURL = "http://127.0.0.1:\(gatewayPort)"

        var engineConfiguration = EngineConfiguration()
        engineConfiguration.workerID = "demo-\(runID)"
        engineConfiguration.policy = scenario.policy
        engineConfiguration.webhookURL = webhookURL
        var configuration = TenderConfiguration(
            database: try PostgresConfiguration(connectionString: databaseURL),
            gateway: try ConvergeGateConfiguration(baseURL: gatewayURL, secretKey: secretKey),
            engine: engineConfiguration
        )
        configuration.poolSize = 8
        configuration.port = webhookPort
        return try await TenderStack.withStack(configuration, logger: logger) { stack in
            say("  schema: version \(stack.migrator.latestVersion)")
            try await interruption.check()
            return try await run(stack, sandbox: sandbox, runID: runID)
        }
    }

    /// Runs the payments through `stack` against `sandbox`.
    private func run(_ stack: TenderStack, sandbox: ConvergeGateSandbox, runID: String) async throws -> DemoSummary {
        let (engine, store, configuration) = (stack.engine, stack.store, stack.configuration)
        let webhookURL = configuration.engine.webhookURL ?? ""
        let gatewayURL = configuration.gateway.baseURL.absoluteString
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
                .init(service: stack.application(), serviceName: "http"),
                .init(service: engine, serviceName: "engine"),
                .init(service: driver, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "demo"),
            ],
            logger: logger
        )
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(15)
        let group = ServiceGroup(configuration: groupConfiguration)

        say("  gateway: ConvergeGate sandbox at \(gatewayURL), webhooks to \(webhookURL)")
        say("  engine: in-process (worker \(configuration.engine.workerID)); the order system calls it directly")
        say(
            "  console: http://127.0.0.1:\(configuration.port)/console?live=1 (sign in with your name, then follow live; open without a token on loopback only)"
        )
        say("  payers confirm in 10-80 s of bank time; 10% never confirm, ~5% are declined; 10% of webhooks are lost\n")

        guard await interruption.attach(group) else { throw DemoInterrupted() }
        try await group.run()

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
