import Foundation
import TenderSandbox
import TenderTestKit
import Testing

/// ``withSandbox(failFirstWebhooks:_:_:)`` ends everything it started when its body throws: the
/// body's error comes out unchanged, and by the time it has returned neither the sandbox nor the
/// webhook receiver listens.
@Suite("Harness cleanup") struct HarnessCleanupTests {
    /// Both answer inside the body, so "no longer listens" afterwards means they were stopped.
    @Test("withSandbox stops the sandbox and the webhook receiver when its body throws")
    func sandboxAndReceiver() async throws {
        let harness: SandboxHarness = try await harnessAfterFailure({ body in try await withSandbox({ _ in }, body) }) { harness in
            let probe = try await harness.api.retrieve("cs_probe")
            #expect(probe.status == 404)
            #expect(await answers(harness.webhookURL))
        }
        try await expectStopped(harness.sandbox)
        try expectNotListening(harness.webhookURL)
    }
}
