import Foundation
import LibPQ
import Logging
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// ``EngineHarness`` and ``EngineRig`` end everything they started when their body throws: the
/// body's error comes out unchanged, and by the time the scope has returned their pools are closed
/// and their sandbox and webhook endpoint no longer listen.
@Suite("Harness cleanup") struct HarnessCleanupTests {
    private struct Planned: Error {}

    /// The harness exposes its pool (through its store) and its sandbox, but not its webhook
    /// endpoint's port.
    @Test("EngineHarness closes its pool and stops the sandbox when its body throws")
    func engineHarness() async throws {
        let stash = Shared<EngineHarness?>(nil)
        await #expect(throws: Planned.self) {
            try await EngineHarness.run { harness in
                stash.update { $0 = harness }
                try await expectRunning(harness.store.pool, harness.sandbox)
                throw Planned()
            }
        }
        let harness = try #require(stash.value)
        await expectClosed(harness.store.pool)
        try await expectStopped(harness.sandbox)
        await harness.store.pool.close()
    }

    /// The webhook endpoint is waited for first, so that "no longer listens" afterwards means it
    /// was stopped, not that it never started.
    @Test("EngineRig closes its pool and stops the sandbox and the webhook endpoint when its body throws")
    func engineRig() async throws {
        let stash = Shared<EngineRig?>(nil)
        await #expect(throws: Planned.self) {
            try await EngineRig.run(sandbox: SandboxConfiguration(secretKey: ""), policy: .fastForTests) { rig in
                stash.update { $0 = rig }
                try await expectRunning(rig.store.pool, rig.sandbox)
                let endpoint = "http://127.0.0.1:\(try #require(URL(string: rig.webhookURL)?.port))"
                let answering = try await waitUntil(timeout: .seconds(120), every: .milliseconds(50)) { await answers(endpoint) }
                try #require(answering, "the webhook endpoint did not answer at \(endpoint)")
                throw Planned()
            }
        }
        let rig = try #require(stash.value)
        await expectClosed(rig.store.pool)
        try await expectStopped(rig.sandbox)
        try expectNotListening(rig.webhookURL)
        await rig.store.pool.close()
    }

    /// Checked while the rig still runs: the separate pool is closed, the rig's own is not.
    @Test("EngineRig.withSeparateStore closes its pool when its body throws")
    func separateStore() async throws {
        try await EngineRig.run(sandbox: SandboxConfiguration(secretKey: ""), policy: .fastForTests) { rig in
            let stash = Shared<PostgresPool?>(nil)
            await #expect(throws: Planned.self) {
                try await rig.withSeparateStore { store in
                    stash.update { $0 = store.pool }
                    try await store.pool.query("SELECT 1")
                    throw Planned()
                }
            }
            let pool = try #require(stash.value)
            await expectClosed(pool)
            await pool.close()
            try await rig.store.pool.query("SELECT 1")
        }
    }
}
