import Foundation
import ServiceLifecycle
import Tender
import TenderSandbox
import TenderTestKit
import Testing

@Suite("Graceful shutdown", .serialized, .heavy)
struct GracefulShutdownTests {
    @Test(.timeLimit(.minutes(10)))
    func gracefulShutdownFinishesTheCallsInFlightAndLeavesTheRestToAnotherEngine() async throws {
        // Every pay takes 800 ms to answer, so a shutdown finds some in flight.
        let sandbox = SandboxConfiguration(
            secretKey: "", endpoints: [.pay: EndpointChaos(latency: .fixed(.milliseconds(800)))], timeScale: 0.01
        )
        var policy = AttemptPolicy.fastForTests
        policy.confirmationWindow = .seconds(60)
        try await EngineRig.run(sandbox: sandbox, policy: policy) { rig in
            let leaving = rig.engine(workerID: "leaving")
            let group = ServiceGroup(services: [leaving], logger: rig.logger)
            rig.webhooks.use([leaving])
            let attempts = try await withThrowingTaskGroup(of: Void.self) { running in
                running.addTask { try await group.run() }
                let attempts = try await rig.submit(codes: (0..<20).map { String(format: "%06d", 200_000 + $0) })
                let busy = try await waitUntil(timeout: .seconds(120), every: .milliseconds(10)) {
                    await rig.gatewayLog.inFlight(workerID: "leaving").contains { $0.endpoint == .pay }
                }
                #expect(busy, "waiting for a pay call in flight")
                await group.triggerGracefulShutdown()
                try await running.waitForAll()
                return attempts
            }
            rig.webhooks.use([])

            // Every call the leaving engine started was answered and its answer recorded.
            #expect(await rig.gatewayLog.inFlight(workerID: "leaving").isEmpty)
            let pays = await rig.gatewayLog.calls(to: .pay).filter { $0.workerID == "leaving" }
            #expect(!pays.isEmpty)
            for pay in pays {
                let id = try #require(pay.attemptID.flatMap(UUID.init(uuidString:)).map(AttemptID.init))
                #expect(try await rig.historyVersions(of: id, input: "pay_answered").count == 1, "the pay of \(id) was not recorded")
            }
            #expect(try await rig.tasksLeased(by: "leaving") == 0)

            // A second engine picks up what is left and finishes every payment.
            try await rig.runUntilSettled(rig.engine(workerID: "staying"))
            for attempt in attempts {
                #expect(try await rig.store.attempt(attempt.id)?.state == .completed)
            }
            let audit = try await LedgerAudit.read(store: rig.store, sandbox: rig.sandbox, gatewayLog: rig.gatewayLog)
            #expect(audit.violations().isEmpty, "\(audit.violations().prefix(20).joined(separator: "\n"))")
            let staying = await rig.gatewayLog.calls.filter { $0.workerID == "staying" }
            #expect(!staying.isEmpty)
        }
    }
}
