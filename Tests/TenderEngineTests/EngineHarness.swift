import EphemeralPostgres
import Foundation
import Logging
import Tender
import TenderPostgres
import TenderSandbox
import TenderTestKit
import TenderWorker

/// Everything a payment needs, for real: a fresh database, the sandbox gateway over HTTP, the
/// ConvergeGate client, the engine, and the webhook route on a port of its own.
struct EngineHarness: Sendable {
    static let secretKey = "sk_test_engine_harness"

    let engine: PaymentEngine
    let store: PostgresPaymentStore
    let sandbox: ConvergeGateSandbox
    /// The PgBouncer between the engine and the database, when the harness has one.
    let pooler: Pooler?

    /// Starts everything, runs `body`, and stops everything.
    /// - Parameters:
    ///   - pooler: when given, the engine reaches the database through a PgBouncer in this mode,
    ///     configured as an operator would (see ``Pooler/configure(_:)``).
    ///   - configureEngine: changes the engine's test configuration before it starts.
    static func run(
        sandbox sandboxConfiguration: SandboxConfiguration = SandboxConfiguration(secretKey: secretKey),
        policy: AttemptPolicy = .fastForTests,
        readTimeout: Duration = .seconds(5),
        pooler: EphemeralPgBouncer.PoolMode? = nil,
        configureEngine: (inout EngineConfiguration) -> Void = { _ in },
        _ body: @Sendable (EngineHarness) async throws -> Void
    ) async throws {
        let logger = Logger(label: "tender.test")
        var engine = EngineConfiguration.forTests(policy: policy, leaseDuration: .seconds(10))
        configureEngine(&engine)
        let databaseURL = try await testDatabase.makeDatabase()
        try await Pooler.run(pooler, inFrontOf: databaseURL) { pooler in
            try await LiveBackends.run(
                databaseURL: databaseURL, sandbox: sandboxConfiguration, secretKey: secretKey,
                timeouts: .init(connect: .seconds(2), read: readTimeout), engine: engine, listening: true,
                configure: { pooler?.configure(&$0) }, logger: logger
            ) { backends in
                let stack = backends.stack
                try await withServices([stack.engine, stack.application()], logger: logger) {
                    try await body(EngineHarness(engine: stack.engine, store: stack.store, sandbox: backends.sandbox, pooler: pooler))
                }
            }
        }
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

    /// Waits until the attempt reaches one of `states`, polling the store; fails after `timeout`,
    /// a ceiling that only catches a hang.
    func waitFor(_ id: AttemptID, in states: Set<AttemptState>, timeout: Duration = .seconds(300)) async throws -> Attempt {
        var reached: Attempt?
        let found = try await TenderTestKit.waitUntil(timeout: timeout, every: .milliseconds(50)) {
            reached = try await store.attempt(id).flatMap { states.contains($0.state) ? $0 : nil }
            return reached != nil
        }
        guard found, let reached else { throw HarnessTimeout(attemptID: id, states: states) }
        return reached
    }

    /// Waits until `condition` holds; returns whether it did within `timeout`, a ceiling that only
    /// catches a hang.
    func waitUntil(timeout: Duration = .seconds(300), _ condition: () async throws -> Bool) async throws -> Bool {
        try await TenderTestKit.waitUntil(timeout: timeout, every: .milliseconds(50), condition)
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
