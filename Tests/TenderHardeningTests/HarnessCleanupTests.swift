import AsyncHTTPClient
import EphemeralPostgres
import Foundation
import LibPQ
import Logging
import TenderSandbox
import TenderTestKit
import Testing

/// ``LiveStack`` ends everything it started when its body throws: the body's error comes out
/// unchanged, and by the time the scope has returned the routes no longer listen, the pool is
/// closed and the sandbox no longer listens.
@Suite("Harness cleanup") struct HarnessCleanupTests {
    /// The routes are waited for first, so that "no longer listens" afterwards means they were
    /// stopped, not that they never started.
    @Test("LiveStack stops its routes, pool and sandbox when its body throws")
    func liveStack() async throws {
        let databaseURL = try await testDatabase.makeDatabase()
        let stack: LiveStack = try await harnessAfterFailure({ body in
            try await LiveStack.run(
                databaseURL: databaseURL, sandbox: SandboxConfiguration(secretKey: LiveStack.secretKey),
                token: "cleanup-token-3b7e1d9f4a62c805", logger: { _ in .silent }, body
            )
        }) { stack in
            let listening = try await waitUntil(timeout: .seconds(120), every: .milliseconds(50)) {
                await answers(stack.baseURL + "/healthz")
            }
            try #require(listening, "the routes did not answer at \(stack.baseURL)")
            try await expectRunning(stack.pool, stack.sandbox)
        }
        try expectNotListening(stack.baseURL)
        await expectClosed(stack.pool)
        try await expectStopped(stack.sandbox)
        await stack.pool.close()
    }
}
