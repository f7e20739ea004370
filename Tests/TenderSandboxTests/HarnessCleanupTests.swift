import Foundation
import TenderSandbox
import TenderTestKit
import Testing

/// ``withSandbox(failFirstWebhooks:_:_:)`` ends everything it started when its body throws: the
/// body's error comes out unchanged, and by the time it has returned neither the sandbox nor the
/// webhook receiver listens.
@Suite("Harness cleanup") struct HarnessCleanupTests {
    private struct Planned: Error {}

    /// Both answer inside the body, so "no longer listens" afterwards means they were stopped.
    @Test("withSandbox stops the sandbox and the webhook receiver when its body throws")
    func sandboxAndReceiver() async throws {
        let stash = Shared<SandboxHarness?>(nil)
        await #expect(throws: Planned.self) {
            try await withSandbox { harness in
                stash.update { $0 = harness }
                #expect(try await harness.api.retrieve("cs_probe").status == 404)
                #expect(await answers(harness.webhookURL))
                throw Planned()
            }
        }
        let harness = try #require(stash.value)
        try await expectStopped(harness.sandbox)
        try expectNotListening(harness.webhookURL)
    }
}
