import Foundation
import Tender
import TenderSandbox
import TenderTestKit
import Testing

@Suite("Pruning by the workers")
struct PruningTests {
    @Test("a worker prunes finished attempts past retention and leaves those in flight alone", .timeLimit(.minutes(10)))
    func workerPrunesFinishedAttempts() async throws {
        let sandbox = SandboxConfiguration(secretKey: "", timeScale: 0.01)
        var policy = AttemptPolicy.fastForTests
        policy.confirmationWindow = .seconds(600)
        try await EngineRig.run(sandbox: sandbox, policy: policy) { rig in
            // Retention of nothing: an attempt is pruned as soon as its work is done.
            let engine = rig.engine(
                workerID: "pruner",
                configure: {
                    $0.retention.finishedAttempts = .zero
                    $0.retention.interval = .milliseconds(100)
                    $0.retention.batchSize = 3
                })
            // Two complete; one is held by the bank and stays in flight.
            let attempts = try await rig.submit(codes: ["500001", "500002", "000013"])
            rig.webhooks.use([engine])
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                group.addTask { try await engine.run() }
                let pruned = try await waitUntil(timeout: .seconds(300), every: .milliseconds(50)) {
                    try await rig.store.pool.query("SELECT count(*) FROM attempts WHERE pruned_at IS NOT NULL")
                        .first?.decode(Int.self, at: 0) == 2
                }
                #expect(pruned, "waiting for the two completed attempts to be pruned")
            }
            rig.webhooks.use([])
            for attempt in attempts {
                let stored = try #require(try await rig.store.attempt(attempt.id))
                let history = try await rig.store.pool.query("SELECT count(*) FROM attempt_history WHERE attempt_id = $1", [attempt.id.rawValue])
                let rows = try #require(try history.first?.decode(Int.self, at: 0))
                if stored.state == .completed {
                    #expect(rows == 0, "the completed attempt's history is pruned")
                } else {
                    #expect(stored.state.isInFlight && rows > 0, "the attempt in flight keeps its history")
                }
            }
        }
    }
}
