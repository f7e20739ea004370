import EphemeralPostgres
import Foundation
import LibPQ
import NIOConcurrencyHelpers
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// The primary PostgreSQL dies under load and pg_auto_failover promotes its synchronous
/// secondary: the workers, connected with a multi-host URL and `target_session_attrs=read-write`,
/// find the new primary by themselves, and nothing acknowledged is lost or done twice.
@Suite("Failover to a synchronous standby", .heavy)
struct FailoverTests {
    /// 500 codes: one in ten declined, one in ten never confirmed (it expires at its deadline, which
    /// falls after the failover), the rest confirmed by the bank within 2–4.5 s.
    static let codes: [String] = (0..<500).map { index in
        switch index % 10 {
        case 0: "000005"
        case 1: "000010"
        default: String(format: "%06d", 100_000 + index)
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func primaryKilledUnderLoadLosesNothingAndDoesNothingTwice() async throws {
        let formation = try await EphemeralFormation.start()
        do {
            try await Self.killThePrimaryUnderLoad(formation)
            await formation.stop()
        } catch {
            await formation.stop()
            throw error
        }
    }

    private static func killThePrimaryUnderLoad(_ formation: EphemeralFormation) async throws {
        var policy = AttemptPolicy.fastForTests
        policy.confirmationWindow = .seconds(20)
        policy.firstPollDelay = .seconds(2)
        policy.pollInterval = .seconds(2)
        var bank = BankBehavior()
        bank.payerGivesUpAfter = .seconds(2000)  // 100 s scaled: the silent sessions outlive the deadline, which must fire
        let sandbox = SandboxConfiguration(secretKey: "", bank: bank, timeScale: 0.05)
        try await EngineRig.run(databaseURL: formation.url, sandbox: sandbox, policy: policy) { rig in
            let exits = NIOLockedValueBox<[String]>([])
            let failover = try await rig.withSeparateStore { westStore in
                try await rig.withSeparateStore { eastStore in
                    let west = rig.engine(workerID: "west", store: westStore)
                    let east = rig.engine(workerID: "east", store: eastStore)
                    rig.webhooks.use([west, east])
                    defer { rig.webhooks.use([]) }
                    return try await withThrowingTaskGroup(of: Void.self) { group in
                        for (name, engine) in [("west", west), ("east", east)] {
                            group.addTask {
                                // An engine's run ends only when the test cancels it; an exit before is a restart the operator would have to make.
                                defer { exits.withLockedValue { $0.append(name) } }
                                try await engine.run()
                            }
                        }
                        defer { group.cancelAll() }
                        try await rig.submit(codes: Self.codes)
                        let failover = try await Self.failOver(formation, rig: rig)
                        // The test's own pool meets the failover too: a statement it sends on a connection to the old primary fails once.
                        let settled = try await waitUntil(timeout: .seconds(300), every: .milliseconds(100)) {
                            (try? await rig.isSettled()) == true
                        }
                        guard settled else { throw RigTimeout(what: "attempts did not settle after the failover") }
                        // Each worker holds its id again, on the promoted node.
                        let held = try await waitUntil(timeout: .seconds(60), every: .milliseconds(100)) {
                            var holders = 0
                            for name in ["west", "east"] {
                                holders += (try? await rig.store.pool.query(WorkerIDHoldTests.lockOfWorker, [name]).count) ?? 0
                            }
                            return holders == 2
                        }
                        #expect(held, "the workers' ids are held on the new primary")
                        #expect(exits.withLockedValue { $0 }.isEmpty, "engines that stopped running: \(exits.withLockedValue { $0 })")
                        return failover
                    }
                }
            }

            let audit = try await LedgerAudit.read(store: rig.store, sandbox: rig.sandbox, gatewayLog: rig.gatewayLog)
            #expect(audit.attempts.count == Self.codes.count)
            let violations = audit.violations()
            #expect(violations.isEmpty, "\(violations.prefix(20).joined(separator: "\n"))")
            #expect(audit.outcomes == [.completed: 400, .failed: 50, .expired: 50])

            // Every webhook the workers answered 2xx was stored and processed.
            let acknowledged = Set(audit.ledger.webhookAttempts.filter { (200..<300).contains($0.statusCode ?? 0) }.map(\.eventID))
            let processed = Set(
                try await rig.store.pool.query("SELECT event_id FROM webhook_inbox WHERE processed_at IS NOT NULL").map {
                    try $0.decode(String.self, column: "event_id")
                })
            #expect(!acknowledged.isEmpty)
            #expect(acknowledged.subtracting(processed).isEmpty, "acknowledged but not processed: \(acknowledged.subtracting(processed).prefix(10))")

            // Deadlines fired, none twice. (A silent payer's attempt may also expire through the
            // poll that is due at its deadline, when that poll fires first and finds the session open.)
            let fired = try await rig.store.pool.query(
                "SELECT attempt_id, count(*) AS times FROM attempt_history WHERE input = 'deadline_reached' GROUP BY attempt_id")
            #expect(!fired.isEmpty)
            #expect(try fired.allSatisfy { try $0.decode(Int.self, column: "times") == 1 }, "a deadline fired more than once")

            let stall = try await Self.stall(after: failover.killedAt, store: rig.store.pool)
            print(
                """
                failover: \(failover.inFlight) payments in flight when \(failover.killed.name) was killed; \
                \(failover.promoted.name) accepted writes \(Self.seconds(failover.duration)) later; \
                no transition for \(Self.seconds(stall.any)); first after the kill \
                by source: \(stall.bySource.sorted { $0.key < $1.key }.map { "\($0.key) \(Self.seconds($0.value))" }.joined(separator: ", "))
                """
            )
        }
    }

    /// What the failover did, as the test saw it.
    struct Failover: Sendable {
        var killed: EphemeralFormation.Node
        var promoted: EphemeralFormation.Node
        var killedAt: Date
        var duration: TimeInterval
        var inFlight: Int
    }

    /// Waits until a tenth of the payments have an outcome, kills the primary, and waits until
    /// the secondary accepts writes.
    private static func failOver(_ formation: EphemeralFormation, rig: EngineRig) async throws -> Failover {
        let decided = try await waitUntil(timeout: .seconds(300), every: .milliseconds(100)) {
            try await rig.store.monitoringSnapshot().attempts.filter { !$0.key.isInFlight }.values.reduce(0, +) >= codes.count / 10
        }
        guard decided else { throw RigTimeout(what: "no tenth of the payments was decided") }
        let inFlight = try await rig.store.monitoringSnapshot().attempts.filter { $0.key.isInFlight }.values.reduce(0, +)
        let killed = try await formation.killPrimary()
        let killedAt = Date()
        let promoted = try await formation.waitForPromotion(replacing: killed)
        return Failover(killed: killed, promoted: promoted, killedAt: killedAt, duration: Date().timeIntervalSince(killedAt), inFlight: inFlight)
    }

    /// The longest time without a transition around the kill (backends orphaned by the
    /// postmaster's death may still commit for a moment after it), and per input source how long
    /// after the kill its first transition came.
    private static func stall(after killedAt: Date, store pool: PostgresPool) async throws -> (any: TimeInterval, bySource: [String: TimeInterval]) {
        let times = try await pool.query(
            "SELECT at FROM attempt_history WHERE at BETWEEN $1 AND $2 ORDER BY at", [killedAt - 2, killedAt + 60]
        ).map { try $0.decode(Date.self, column: "at") }
        let longest = zip(times, times.dropFirst()).map { $1.timeIntervalSince($0) }.max()
        let rows = try await pool.query("SELECT source, min(at) AS first FROM attempt_history WHERE at > $1 GROUP BY source", [killedAt])
        var bySource: [String: TimeInterval] = [:]
        for row in rows {
            bySource[try row.decode(String.self, column: "source")] = try row.decode(Date.self, column: "first").timeIntervalSince(killedAt)
        }
        return (longest ?? 0, bySource)
    }

    private static func seconds(_ interval: TimeInterval) -> String {
        String(format: "%.2f s", interval)
    }
}
