import EphemeralPostgres
import Foundation
import Hummingbird
import LibPQ
import Logging
import NIOConcurrencyHelpers
import Tender
import TenderConvergeGate
import TenderPostgres
import TenderSandbox
import TenderTestKit

/// The parts of a deployment that outlive any one engine — a fresh database, the sandbox gateway
/// over HTTP, the gateway client and the webhook endpoint — on which a test starts, stops and
/// replaces engines at will. Every engine's gateway calls are written to ``gatewayLog``.
struct EngineRig: Sendable {
    let databaseURL: String
    /// The store on the rig's own pool: the order system's submissions and the test's checks.
    let store: PostgresPaymentStore
    /// The machine every engine of the rig runs (they share the policy).
    let machine: AttemptMachine
    let sandbox: ConvergeGateSandbox
    /// The stack's ConvergeGate client of the sandbox, which every engine calls through the log.
    let gateway: any PaymentGateway
    let gatewayLog: GatewayLog
    /// The engines the webhook endpoint hands events to.
    let webhooks: WebhookSwitch
    let webhookURL: String
    let policy: AttemptPolicy
    let logger: Logger

    /// Reaches the database through a PgBouncer, when the rig was started with one.
    let pooler: Pooler?

    /// Starts the database, the sandbox and the webhook endpoint, runs `body`, stops them.
    /// - Parameters:
    ///   - databaseURL: the database; a fresh one of the test server when `nil`.
    ///   - pooler: when given, the rig's store and every separate store reach the database through
    ///     a PgBouncer in this mode, configured as an operator would.
    static func run(
        databaseURL givenURL: String? = nil,
        sandbox sandboxConfiguration: SandboxConfiguration,
        policy: AttemptPolicy,
        pooler poolMode: EphemeralPgBouncer.PoolMode? = nil,
        _ body: @Sendable (EngineRig) async throws -> Void
    ) async throws {
        let logger = {
            var logger = Logger(label: "tender.test")
            logger.logLevel = .notice  // hundreds of payments: only what an operator would be told
            return logger
        }()
        let databaseURL = if let givenURL { givenURL } else { try await testDatabase.makeDatabase() }
        try await Pooler.run(poolMode, inFrontOf: databaseURL) { pooler in
            // The stack's own engine is never run: the rig's engines (`engine(workerID:…)`) carry
            // the webhook URL.
            try await LiveBackends.run(
                databaseURL: databaseURL, sandbox: sandboxConfiguration, secretKey: EngineHarness.secretKey,
                timeouts: .init(connect: .seconds(2), read: .seconds(5)), engine: .forTests(policy: policy),
                configure: { pooler?.configure(&$0) }, logger: logger
            ) { backends in
                // Picked just before the webhook server binds it: a port picked before the wait
                // for the test gate sat free for minutes, and another server of the suite took it.
                let webhookPort = try FreePort.pick()
                let webhookURL = "http://127.0.0.1:\(webhookPort)/webhooks/convergegate"
                let webhooks = WebhookSwitch(verifier: ConvergeGateWebhookVerifier(configuration: backends.stack.configuration.gateway))
                let router = Router()
                webhooks.add(to: router)
                let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: webhookPort)), logger: logger)
                let rig = EngineRig(
                    databaseURL: backends.databaseURL, store: backends.stack.store, machine: backends.stack.engine.machine,
                    sandbox: backends.sandbox, gateway: backends.stack.gateway, gatewayLog: GatewayLog(), webhooks: webhooks,
                    webhookURL: webhookURL, policy: policy, logger: logger, pooler: pooler
                )
                try await withServices([app], logger: logger) {
                    try await body(rig)
                }
            }
        }
    }

    /// A new engine on `store` (the rig's own when `nil`), calling the gateway through the log.
    /// - Parameters:
    ///   - payGate: when given, the engine's pays wait at it (in flight, as the log sees them).
    ///   - now: the engine's clock.
    func engine(
        workerID: String, store: PostgresPaymentStore? = nil, leaseDuration: Duration = .seconds(10), payGate: PayGate? = nil,
        now: @escaping @Sendable () -> Date = { Date() }, configure: (inout EngineConfiguration) -> Void = { _ in }
    ) -> PaymentEngine {
        var configuration = EngineConfiguration.forTests(policy: policy, webhookURL: webhookURL, leaseDuration: leaseDuration)
        configuration.workerID = workerID
        configure(&configuration)
        let base = payGate.map { GatedGateway(base: gateway, gate: $0) } ?? gateway
        return PaymentEngine(
            store: store ?? self.store,
            gateway: RecordingGateway(base: base, workerID: workerID, log: gatewayLog),
            configuration: configuration, logger: logger, now: now
        )
    }

    /// Runs `body` with a store on a pool of its own, as a separate process would have, and
    /// closes the pool afterwards.
    /// - Parameter configuration: how the pool connects; when nil, to the rig's database, through
    ///   the rig's pooler if it has one (with the listener and worker-id lock past it).
    func withSeparateStore<T: Sendable>(
        configuration: PostgresConfiguration? = nil, _ body: (PostgresPaymentStore) async throws -> T
    ) async throws -> T {
        let direct = try PostgresConfiguration(connectionString: databaseURL)
        let pool = PostgresPool(configuration: configuration ?? pooler?.poolConfiguration ?? direct, size: 8, logger: logger)
        do {
            let result = try await body(PostgresPaymentStore(pool: pool, sessions: configuration == nil ? direct : nil, logger: logger))
            await pool.close()
            return result
        } catch {
            await pool.close()
            throw error
        }
    }

    /// Submits one payment of 10.00 PLN per code, as the order system would, straight to the
    /// store; `concurrency` submissions at a time.
    @discardableResult
    func submit(codes: [String], concurrency: Int = 4) async throws -> [Attempt] {
        try await withThrowingTaskGroup(of: (Int, Attempt).self) { group in
            var attempts = [Attempt?](repeating: nil, count: codes.count)
            for (index, code) in codes.enumerated() {
                if index >= concurrency, let (done, attempt) = try await group.next() {
                    attempts[done] = attempt
                }
                group.addTask {
                    let request = SubmitRequest(
                        idempotencyKey: UUID().uuidString,
                        submission: AttemptMachine.Submission(
                            paymentID: PaymentID(rawValue: UUID().uuidString),
                            amount: try Money(minorUnits: 1000, currency: .pln),
                            customer: try Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski"),
                            code: try BLIKCode(code)
                        )
                    )
                    return (index, try await store.submit(request, machine: machine, now: Date()).attempt)
                }
            }
            for try await (done, attempt) in group {
                attempts[done] = attempt
            }
            return attempts.compactMap { $0 }
        }
    }

    /// Whether every attempt has an outcome, every refund is final and, unless `tasksMayRemain`,
    /// no task is left (an expired attempt's grace polls are over).
    func isSettled(tasksMayRemain: Bool = false) async throws -> Bool {
        let rows = try await store.pool.query(
            """
            SELECT (SELECT count(*) FROM attempts WHERE state IN ('submitted', 'awaiting_confirmation'))
                     + (SELECT count(*) FROM refunds WHERE state IN ('requested', 'pending')) AS open,
                   (SELECT count(*) FROM tasks) AS tasks
            """
        )
        guard let row = rows.first else { return false }
        return try row.decode(Int64.self, column: "open") == 0 && (tasksMayRemain || row.decode(Int64.self, column: "tasks") == 0)
    }

    /// Waits until ``isSettled(tasksMayRemain:)``; fails after `timeout`, a ceiling that only
    /// catches a hang.
    func waitUntilSettled(tasksMayRemain: Bool = false, timeout: Duration = .seconds(300)) async throws {
        guard try await waitUntil(timeout: timeout, every: .milliseconds(100), { try await isSettled(tasksMayRemain: tasksMayRemain) }) else {
            throw RigTimeout(what: "attempts did not settle within \(timeout)")
        }
    }

    /// Runs `engine` until the rig is settled, with the webhook endpoint pointing at it.
    func runUntilSettled(_ engine: PaymentEngine, timeout: Duration = .seconds(300)) async throws {
        webhooks.use([engine])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await engine.run() }
            defer { group.cancelAll() }
            try await waitUntilSettled(timeout: timeout)
        }
        webhooks.use([])
    }

    /// The versions of an attempt's history rows whose input was `input`.
    func historyVersions(of id: AttemptID, input: String) async throws -> [Int64] {
        try await store.pool.query(
            "SELECT version FROM attempt_history WHERE attempt_id = $1 AND input = $2 ORDER BY version", [id.rawValue, input]
        ).map { try $0.decode(Int64.self, column: "version") }
    }

    /// How many tasks `workerID` holds a lease on.
    func tasksLeased(by workerID: String) async throws -> Int64 {
        let rows = try await store.pool.query("SELECT count(*) AS n FROM tasks WHERE lease_owner = $1", [workerID])
        return try rows.first?.decode(Int64.self, column: "n") ?? 0
    }
}

struct RigTimeout: Error, CustomStringConvertible {
    var what: String
    var description: String { what }
}

/// The webhook endpoint's way to the engines: a test points it at whichever engines run now.
/// While none runs it answers 503, and the gateway delivers the event again later.
final class WebhookSwitch: Sendable {
    private let engines = NIOLockedValueBox<(list: [PaymentEngine], next: Int)>(([], 0))
    private let verifier: ConvergeGateWebhookVerifier

    init(verifier: ConvergeGateWebhookVerifier) {
        self.verifier = verifier
    }

    /// Sends the next webhooks to `engines`, taking turns.
    func use(_ engines: [PaymentEngine]) {
        self.engines.withLockedValue { $0 = (engines, 0) }
    }

    private func pick() -> PaymentEngine? {
        engines.withLockedValue { state in
            guard !state.list.isEmpty else { return nil }
            state.next += 1
            return state.list[state.next % state.list.count]
        }
    }

    /// `POST /webhooks/convergegate`, answered as the worker's own route answers it.
    func add(to router: Router<BasicRequestContext>) {
        router.post("/webhooks/convergegate") { request, _ -> Response in
            let body = try await request.body.collect(upTo: 64 * 1024)
            guard let engine = self.pick() else { return Response(status: .serviceUnavailable) }
            let headers = request.headers.map { (name: $0.name.canonicalName, value: $0.value) }
            let bytes = Array(body.readableBytesView)
            do {
                let hint = try self.verifier.verify(headers: headers, body: bytes, now: Date())
                _ = try await engine.receiveWebhook(hint, body: bytes)
                return Response(status: .ok)
            } catch is WebhookRejection {
                return Response(status: .unauthorized)
            } catch {
                return Response(status: .serviceUnavailable)
            }
        }
    }
}
