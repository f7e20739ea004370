import Foundation
import LibPQ
import Logging
import Tender
import TenderPostgres
import TenderSandbox
import TenderTestKit
import Testing

/// ``EngineHarness`` and ``EngineRig`` end everything they started when their body throws: the
/// body's error comes out unchanged, and by the time the scope has returned their pools are closed
/// and their sandbox and webhook endpoint no longer listen.
@Suite("Harness cleanup") struct HarnessCleanupTests {
    /// The harness exposes its pool (through its store) and its sandbox, but not its webhook
    /// endpoint's port.
    @Test("EngineHarness closes its pool and stops the sandbox when its body throws")
    func engineHarness() async throws {
        let harness: EngineHarness = try await harnessAfterFailure({ try await EngineHarness.run($0) }) {
            try await expectRunning($0.store.pool, $0.sandbox)
        }
        await expectClosed(harness.store.pool)
        try await expectStopped(harness.sandbox)
        await harness.store.pool.close()
    }

    /// The webhook endpoint is waited for first, so that "no longer listens" afterwards means it
    /// was stopped, not that it never started.
    @Test("EngineRig closes its pool and stops the sandbox and the webhook endpoint when its body throws")
    func engineRig() async throws {
        let rig: EngineRig = try await harnessAfterFailure({
            try await EngineRig.run(sandbox: SandboxConfiguration(secretKey: ""), policy: .fastForTests, $0)
        }) {
            rig in
            try await expectRunning(rig.store.pool, rig.sandbox)
            let endpoint = "http://127.0.0.1:\(try #require(URL(string: rig.webhookURL)?.port))"
            let answering = try await waitUntil(timeout: .seconds(120), every: .milliseconds(50)) { await answers(endpoint) }
            try #require(answering, "the webhook endpoint did not answer at \(endpoint)")
        }
        await expectClosed(rig.store.pool)
        try await expectStopped(rig.sandbox)
        try expectNotListening(rig.webhookURL)
        await rig.store.pool.close()
    }

    /// Checked while the rig still runs: the separate pool is closed, the rig's own is not.
    @Test("EngineRig.withSeparateStore closes its pool when its body throws")
    func separateStore() async throws {
        try await EngineRig.run(sandbox: SandboxConfiguration(secretKey: ""), policy: .fastForTests) { rig in
            let store: PostgresPaymentStore = try await harnessAfterFailure({ body in try await rig.withSeparateStore(body) }) {
                try await $0.pool.query("SELECT 1")
            }
            await expectClosed(store.pool)
            await store.pool.close()
            try await rig.store.pool.query("SELECT 1")
        }
    }
}
