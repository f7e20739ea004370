import Foundation
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// Leases are judged by the database's clock, and a worker id belongs to one live worker.
@Suite("Worker clocks and ids")
struct WorkerClockTests {
    /// Minutes to confirm, so no deadline falls due even by a clock a minute fast.
    static var policy: AttemptPolicy {
        var policy = AttemptPolicy.fastForTests
        policy.confirmationWindow = .seconds(600)
        return policy
    }

    @Test("a worker whose clock runs a minute fast recovers a dead worker's lease and none of a live one's", .timeLimit(.minutes(10)))
    func fastClockRecoversNoLiveLease() async throws {
        let sandbox = SandboxConfiguration(secretKey: "", timeScale: 0.01)
        try await EngineRig.run(sandbox: sandbox, policy: Self.policy) { rig in
            // A live worker with five pays held in flight, their tasks leased for three seconds at a time.
            let gate = PayGate()
            let steady = rig.engine(workerID: "steady", leaseDuration: .seconds(3), payGate: gate, configure: { $0.maximumConcurrentCalls = 5 })
            let fast = rig.engine(workerID: "fast", leaseDuration: .seconds(3), now: { Date() + 60 })
            rig.webhooks.use([steady])
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                group.addTask { try await steady.run() }
                let held = try await rig.submit(codes: (0..<5).map { String(format: "%06d", 300_000 + $0) })
                let holding = try await waitUntil(timeout: .seconds(120), every: .milliseconds(10)) {
                    await rig.gatewayLog.inFlight(workerID: "steady").filter { $0.endpoint == .pay }.count == 5
                }
                try #require(holding, "waiting for the live worker to hold five pays")

                // A dead worker's lease, lapsed by the database's clock, on a sixth payment.
                let orphan = try #require(try await rig.submit(codes: ["300005"]).first)
                try await rig.store.pool.execute(
                    """
                    UPDATE tasks SET lease_owner = 'dead', lease_expires_at = now() - interval '1 second', fence = nextval('task_fences')
                    WHERE attempt_id = $1 AND kind = 'call'
                    """,
                    [orphan.id.rawValue]
                )

                // The fast worker takes the dead worker's task over, in the same recovery that
                // would have taken the live one's by its own clock.
                group.addTask { try await fast.run() }
                let recovered = try await waitUntil(timeout: .seconds(120), every: .milliseconds(10)) {
                    await rig.gatewayLog.calls.contains { $0.workerID == "fast" && $0.attemptID == orphan.id.description }
                }
                try #require(recovered, "waiting for the fast worker to take the dead worker's task")
                #expect(try await rig.tasksLeased(by: "steady") == 5, "the live worker still holds its leases")
                let taken = await rig.gatewayLog.calls.filter { call in
                    call.workerID == "fast" && held.contains { $0.id.description == call.attemptID }
                }
                #expect(taken.isEmpty, "the fast worker called the gateway for the live worker's attempts: \(taken.map(\.endpoint))")

                await gate.open()
                try await rig.waitUntilSettled()
            }
            rig.webhooks.use([])
            let audit = try await LedgerAudit.read(store: rig.store, sandbox: rig.sandbox, gatewayLog: rig.gatewayLog)
            #expect(audit.violations().isEmpty, "\(audit.violations().prefix(20).joined(separator: "\n"))")
            #expect(audit.ledger.sessions.allSatisfy { $0.payCalls == 1 })
        }
    }

    @Test("a second worker under a live worker's id refuses to start and takes none of its leases", .timeLimit(.minutes(10)))
    func duplicateWorkerIDRefusesToStart() async throws {
        let sandbox = SandboxConfiguration(secretKey: "", timeScale: 0.01)
        try await EngineRig.run(sandbox: sandbox, policy: Self.policy) { rig in
            let gate = PayGate()
            let first = rig.engine(workerID: "twin", payGate: gate)
            let second = rig.engine(workerID: "twin", configure: { $0.workerIDWait = .milliseconds(500) })
            rig.webhooks.use([first])
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                group.addTask { try await first.run() }
                try await rig.submit(codes: ["300100"])
                let holding = try await waitUntil(timeout: .seconds(120), every: .milliseconds(10)) {
                    await rig.gatewayLog.inFlight(workerID: "twin").contains { $0.endpoint == .pay }
                }
                try #require(holding, "waiting for the first worker to hold a pay")

                let error = await #expect(throws: StoreError.self) { try await second.run() }
                #expect(error?.code == .workerIDInUse)
                #expect(error.map { "\($0)" }?.contains("twin") == true)
                #expect(try await rig.tasksLeased(by: "twin") == 1, "the refused worker freed none of the live one's leases")

                await gate.open()
                try await rig.waitUntilSettled()
            }
            rig.webhooks.use([])

            // Once the first has stopped, the id is free again.
            try await rig.runUntilSettled(rig.engine(workerID: "twin", configure: { $0.workerIDWait = .milliseconds(500) }))
        }
    }
}
