import EphemeralPostgres
import Foundation
import Tender
import TenderSandbox
import TenderTestKit
import Testing

extension ManyPayments {
    /// Two engines with pools of their own — two processes, as far as the database can tell — share
    /// one database and one gateway.
    @Suite("Two engines, one database")
    struct TwoEnginesTests {
        /// 1,000 codes: one in ten declined, the rest confirmed by the bank within 0.4–0.9 s.
        static let codes: [String] = (0..<1000).map { index in
            index % 10 == 0 ? "000005" : String(format: "%06d", 100_000 + index)
        }

        /// Straight to PostgreSQL with every code, and through PgBouncer in each mode with 300.
        @Test(.timeLimit(.minutes(10)), arguments: [nil, .session, .transaction] as [EphemeralPgBouncer.PoolMode?])
        func twoEnginesSplitTheWorkAndNeverDoAnythingTwice(pooler: EphemeralPgBouncer.PoolMode?) async throws {
            let codes = pooler == nil ? Self.codes : Array(Self.codes.prefix(300))
            var policy = AttemptPolicy.fastForTests
            // Long enough that no attempt expires before its calls, on a machine slowed down by a
            // sanitizer and other suites: in a ThreadSanitizer run of the whole engine suite, 13
            // attempts were still without their calls after 60 s, and expired.
            policy.confirmationWindow = .seconds(300)
            policy.firstPollDelay = .seconds(2)
            policy.pollInterval = .seconds(2)
            let sandbox = SandboxConfiguration(secretKey: "", timeScale: 0.01)
            try await EngineRig.run(sandbox: sandbox, policy: policy, pooler: pooler) { rig in
                try await rig.withSeparateStore { westStore in
                    try await rig.withSeparateStore { eastStore in
                        let west = rig.engine(workerID: "west", store: westStore)
                        let east = rig.engine(workerID: "east", store: eastStore)
                        rig.webhooks.use([west, east])
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask { try await west.run() }
                            group.addTask { try await east.run() }
                            defer { group.cancelAll() }
                            try await rig.submit(codes: codes)
                            try await rig.waitUntilSettled()
                        }
                        rig.webhooks.use([])
                    }
                }

                let audit = try await LedgerAudit.read(store: rig.store, sandbox: rig.sandbox, gatewayLog: rig.gatewayLog)
                #expect(audit.attempts.count == codes.count)
                let violations = audit.violations()
                #expect(violations.isEmpty, "\(violations.prefix(20).joined(separator: "\n"))")
                #expect(audit.outcomes == [.completed: codes.count * 9 / 10, .failed: codes.count / 10])

                // One session per attempt, created once and paid once: a call is repeated only
                // after it failed (a timeout on a busy machine), under the same idempotency key,
                // and the gateway counts no repeated pay.
                let ledger = audit.ledger
                #expect(ledger.sessions.count == codes.count)
                #expect(ledger.sessions.allSatisfy { $0.payCalls == 1 && $0.acceptedPayCalls <= 1 })
                let calls = await rig.gatewayLog.calls
                for endpoint in [GatewayLog.Endpoint.createSession, .pay] {
                    let perAttempt = Dictionary(grouping: calls.filter { $0.endpoint == endpoint }, by: { $0.attemptID ?? "" })
                    #expect(perAttempt.count == codes.count)
                    let answeredTwice = perAttempt.filter { $0.value.filter { $0.sessionID != nil }.count > 1 }
                    #expect(answeredTwice.isEmpty, "\(endpoint) answered more than once for attempts \(answeredTwice.keys.prefix(10))")
                    let keys = perAttempt.values.map { Set($0.compactMap(\.key)).count }
                    #expect(keys.allSatisfy { $0 == 1 }, "\(endpoint) repeated under another idempotency key")
                }
                // Both engines did a real share of the work.
                let byWorker = Dictionary(grouping: calls, by: \.workerID).mapValues(\.count)
                #expect(byWorker["west", default: 0] > calls.count / 10)
                #expect(byWorker["east", default: 0] > calls.count / 10)
            }
        }
    }
}
