import Foundation
import LibPQ
import Tender
import TenderHTTP
import TenderPostgres
import TenderSandbox
import TenderTestKit
import TenderWorker
import Testing

extension ManyPayments {
    /// One of two workers loses its path to PostgreSQL in the middle of its transitions — the
    /// network drops everything, nothing is closed — and gets it back later.
    @Suite("Network partition")
    struct PartitionTests {
        /// Short database timeouts, so the server ends the cut-off worker's open transactions (and
        /// frees their row locks) within seconds.
        static var timeouts: DatabaseTimeouts {
            var timeouts = DatabaseTimeouts()
            timeouts.connect = .seconds(2)
            timeouts.peerSilence = .seconds(3)
            timeouts.statement = .seconds(5)
            timeouts.lock = .seconds(2)
            timeouts.idleInTransaction = .seconds(3)
            return timeouts
        }

        /// 300 codes the bank confirms within 0.4–0.9 s.
        static let codes: [String] = (0..<300).map { String(format: "%06d", 600_000 + $0) }

        @Test(.timeLimit(.minutes(10)))
        func theOtherWorkerFinishesEverythingAndNothingIsAppliedTwice() async throws {
            var policy = AttemptPolicy.fastForTests
            policy.confirmationWindow = .seconds(240)
            policy.firstPollDelay = .seconds(1)
            policy.pollInterval = .seconds(1)
            let sandbox = SandboxConfiguration(secretKey: "", timeScale: 0.01)
            try await EngineRig.run(sandbox: sandbox, policy: policy) { rig in
                var address = try #require(URLComponents(string: rig.databaseURL))
                let proxy = try await PartitionProxy.start(forwardingTo: try #require(address.host), port: try #require(address.port))
                address.port = proxy.port
                let direct = Self.timeouts.applied(to: try PostgresConfiguration(connectionString: rig.databaseURL))
                let proxied = Self.timeouts.applied(to: try PostgresConfiguration(connectionString: try #require(address.string)))
                do {
                    try await Self.run(rig, proxy: proxy, direct: direct, proxied: proxied)
                    await proxy.close()
                } catch {
                    await proxy.close()
                    throw error
                }
            }
        }

        static func run(_ rig: EngineRig, proxy: PartitionProxy, direct: PostgresConfiguration, proxied: PostgresConfiguration) async throws {
            try await rig.withSeparateStore(configuration: direct) { steadyStore in
                try await rig.withSeparateStore(configuration: proxied) { cutStore in
                    let steady = rig.engine(workerID: "steady", store: steadyStore, leaseDuration: .seconds(5))
                    let cutOff = rig.engine(workerID: "cut-off", store: cutStore, leaseDuration: .seconds(5))
                    rig.webhooks.use([steady])
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        defer { group.cancelAll() }
                        group.addTask { try await steady.run() }
                        group.addTask { try await cutOff.run() }
                        async let submitted = rig.submit(codes: codes)

                        // The cut comes while the cut-off worker has a create or a pay in flight:
                        // its answer can no longer be stored, and the task stays leased to it.
                        var caught: [GatewayLog.Call] = []
                        let busy = try await waitUntil(timeout: .seconds(120), every: .milliseconds(1)) {
                            caught = await rig.gatewayLog.inFlight(workerID: "cut-off").filter { $0.attemptID != nil }
                            guard !caught.isEmpty else { return false }
                            proxy.cut()
                            return true
                        }
                        try #require(busy, "waiting for the cut-off worker to have a call in flight")
                        let cutAt = try await rig.historyRowCount()
                        _ = try await submitted

                        // Cut off, the worker's `/readyz` check reports not ready, in time.
                        let readiness = await Readiness.within(.seconds(2)) {
                            await TenderStack.readiness(of: cutStore.pool, migrator: Migrator(logger: rig.logger))
                        }
                        #expect(readiness != .ready, "the cut-off worker's readiness: \(readiness)")

                        // The other worker finishes every payment, those whose rows and tasks the
                        // cut-off worker held included, once the server ends its transactions and
                        // its leases lapse.
                        try await rig.waitUntilSettled()
                        #expect(try await rig.historyRowCount() > cutAt)
                        let calls = await rig.gatewayLog.calls
                        let takenOver = caught.filter { held in
                            calls.contains { $0.workerID == "steady" && $0.endpoint == held.endpoint && $0.attemptID == held.attemptID }
                        }
                        #expect(!takenOver.isEmpty, "the other worker repeated none of the calls the cut caught in flight")
                        proxy.heal()

                        // Healed, the cut-off worker's held-back work reaches the database and is
                        // fenced out or finds nothing to do; it answers ready again.
                        let ready = try await waitUntil(timeout: .seconds(120), every: .milliseconds(100)) {
                            await Readiness.within(.seconds(2)) {
                                await TenderStack.readiness(of: cutStore.pool, migrator: Migrator(logger: rig.logger))
                            } == .ready
                        }
                        #expect(ready, "waiting for the healed worker to be ready")
                        try await rig.waitUntilSettled()
                    }
                    rig.webhooks.use([])
                }
            }

            let audit = try await LedgerAudit.read(store: rig.store, sandbox: rig.sandbox, gatewayLog: rig.gatewayLog)
            #expect(audit.attempts.count == codes.count)
            let violations = audit.violations()
            #expect(violations.isEmpty, "\(violations.prefix(20).joined(separator: "\n"))")
            #expect(audit.outcomes == [.completed: codes.count])
            #expect(audit.ledger.sessions.allSatisfy { $0.acceptedPayCalls == 1 })
        }
    }
}

extension EngineRig {
    /// How many history rows all attempts have: one per applied input.
    fileprivate func historyRowCount() async throws -> Int {
        try await store.pool.query("SELECT count(*) FROM attempt_history").first?.decode(Int.self, at: 0) ?? 0
    }
}
