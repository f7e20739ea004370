import Foundation
import Tender
import TenderSandbox
import TenderTestKit
import Testing

@Suite("Cancellation", .serialized)
struct CancellationTests {
    @Test("an attempt canceled before its session exists makes no gateway call at all")
    func cancelBeforeSession() async throws {
        try await EngineRig.run(sandbox: SandboxConfiguration(secretKey: ""), policy: .fastForTests) { rig in
            // The engine does not run: the create call is only a task when the cancel arrives.
            let engine = rig.engine(workerID: "canceler")
            let attempt = try #require(try await rig.submit(codes: [MagicBLIKCode.immediateCompletion.rawValue]).first)
            let canceled = try await engine.cancel(paymentID: attempt.paymentID)
            #expect(canceled.state == .canceled)
            #expect(canceled.code == nil)
            // No task is left that could call the gateway, whoever runs.
            #expect(try await rig.store.upcomingTasks(dueBy: .distantFuture, limit: 100).filter { $0.attemptID == attempt.id }.isEmpty)
            #expect(try await engine.events(after: 0, limit: 100).map(\.type) == [.canceled])
            #expect(await rig.gatewayLog.calls.isEmpty)
            #expect(await rig.sandbox.ledger().sessions.isEmpty)
        }
    }
}
