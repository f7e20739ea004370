import AsyncHTTPClient
import EphemeralPostgres
import Foundation
import LibPQ
import Logging
import TenderConvergeGate
import TenderSandbox
import TenderTestKit
import Testing

/// The scopes this target runs in end everything they started when their body throws: the body's
/// error comes out unchanged, and by the time the scope has returned its pools are closed, its
/// client is shut down, its sandbox and its child process no longer listen.
@Suite("Harness cleanup") struct HarnessCleanupTests {
    /// The stack's pool and gateway client and the sandbox, each checked from outside once the
    /// scope has returned: ``TenderStack`` closes what it built on the throwing path too.
    @Test("LiveBackends and its TenderStack shut the pool, client and sandbox down when the body throws")
    func liveBackends() async throws {
        let backends: LiveBackends = try await harnessAfterFailure({ body in
            try await LiveBackends.run(
                sandbox: SandboxConfiguration(secretKey: "sk_test_cleanup"), secretKey: "sk_test_cleanup",
                engine: .forTests(policy: .fastForTests), configure: { $0.poolSize = 2 }, logger: Logger(label: "test"), body
            )
        }) { try await expectRunning($0.pool, $0.sandbox) }
        await expectClosed(backends.pool)
        try await expectStopped(backends.sandbox)
        await expectShutDown(try #require(backends.stack.gateway as? ConvergeGateClient))
        await backends.pool.close()
    }

    /// The harness's own backends: the store's pool and the sandbox.
    @Test("APIHarness closes its store's pool and stops the sandbox when its body throws")
    func apiHarness() async throws {
        let harness: APIHarness = try await harnessAfterFailure({ try await APIHarness.run($0) }) {
            try await expectRunning($0.store.pool, $0.sandbox)
        }
        await expectClosed(harness.store.pool)
        try await expectStopped(harness.sandbox)
        await harness.store.pool.close()
    }

    /// A pool handed to the harness is the harness's to close, on the throwing path too.
    @Test("APIHarness closes the pool it was given and stops the sandbox when its body throws")
    func apiHarnessWithPool() async throws {
        let configuration = try PostgresConfiguration(connectionString: try await testDatabase.makeDatabase())
        let pool = PostgresPool(configuration: configuration, size: 2, logger: Logger(label: "test"))
        let harness: APIHarness = try await harnessAfterFailure({ try await APIHarness.run(pool: pool, $0) }) { harness in
            #expect(harness.store.pool === pool)
            try await expectRunning(pool, harness.sandbox)
        }
        await expectClosed(pool)
        await pool.close()
        try await expectStopped(harness.sandbox)
    }

    /// `tender sandbox` needs only a secret key to serve until it is killed. A process is not
    /// `Sendable`, so this one keeps it in a local instead of using ``harnessAfterFailure(_:whileRunning:)``.
    @Test("TenderProcess.withRunning kills its process when its body throws")
    func tenderProcess() async throws {
        let port = try FreePort.pick()
        var stashed: TenderProcess?
        await #expect(throws: PlannedFailure.self) {
            try await TenderProcess.withRunning(["sandbox", "--port", "\(port)", "--secret-key", "sk_test_cleanup"], environment: [:]) {
                process in
                stashed = process
                let listening = try await waitUntil(timeout: .seconds(120), every: .milliseconds(50)) {
                    guard process.isRunning else { throw TenderProcess.Timeout(log: process.log) }
                    return acceptsConnections(port: port)
                }
                try #require(listening, "tender sandbox did not listen on \(port): \(process.log)")
                throw PlannedFailure()
            }
        }
        let process = try #require(stashed)
        #expect(!process.isRunning)
        #expect(!acceptsConnections(port: port))
        await process.stop()
    }
}
