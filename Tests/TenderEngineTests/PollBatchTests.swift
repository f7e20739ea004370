import Foundation
import LibPQ
import Tender
import TenderPostgres
import TenderSandbox
import TenderTestKit
import Testing

/// Polls of many attempts falling due together are written in batches across attempts.
@Suite("Poll batches", .serialized)
struct PollBatchTests {
    /// Payers who hold their confirmation and webhooks that never arrive: only polls learn anything.
    static let sandbox = SandboxConfiguration(secretKey: "", webhooks: WebhookChaos(dropRate: 1))
    static let payers = 24

    /// Rows a transaction writes carry its id (`xmin`), so attempts whose latest write shares one
    /// had their quiet polls written together. Polls on a grid fall due together, and a window
    /// far longer than a poll's round trip gathers their answers whatever the machine's load.
    @Test("the quiet polls of attempts falling due together are written by one transaction")
    func quietPollsOfManyAttemptsShareTransactions() async throws {
        var policy = AttemptPolicy.fastForTests
        policy.pollGrid = .milliseconds(500)
        try await EngineHarness.run(sandbox: Self.sandbox, policy: policy, configureEngine: { $0.pollBatchWindow = .milliseconds(300) }) {
            harness in
            let ids = try await Self.submitSilentPayers(harness)
            #expect(try await harness.waitUntil(timeout: .seconds(60)) { try await Self.largestQuietPollWrite(ids, harness) >= 2 })
            #expect(try await harness.waitUntil(timeout: .seconds(60)) { try await Self.quietPolls(ids, harness).min() ?? 0 >= 1 })
            try await Self.completeAndCheck(ids, harness)
        }
    }

    @Test("a poll learning the completion in a batch completes the payment and emits its event once")
    func pollLearningTheCompletionInABatch() async throws {
        try await EngineHarness.run(sandbox: Self.sandbox) { harness in
            let ids = try await Self.submitSilentPayers(harness)
            #expect(try await harness.waitUntil(timeout: .seconds(60)) { try await Self.quietPolls(ids, harness).min() ?? 0 >= 2 })
            try await Self.completeAndCheck(ids, harness)
        }
    }

    /// Submits ``payers`` payments at once whose payers hold their confirmation.
    static func submitSilentPayers(_ harness: EngineHarness) async throws -> [AttemptID] {
        try await withThrowingTaskGroup(of: AttemptID.self) { group in
            for _ in 0..<payers {
                group.addTask { try await harness.submit(code: MagicBLIKCode.hold.rawValue).id }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
    }

    static func quietPolls(_ ids: [AttemptID], _ harness: EngineHarness) async throws -> [Int] {
        var counts: [Int] = []
        for id in ids {
            counts.append(try await harness.store.attempt(id)?.quietPolls ?? 0)
        }
        return counts
    }

    /// The most awaiting attempts whose latest write, one transaction's, was a quiet poll.
    static func largestQuietPollWrite(_ ids: [AttemptID], _ harness: EngineHarness) async throws -> Int {
        let rows = try await harness.store.pool.query(
            """
            SELECT coalesce(max(n), 0) AS n FROM (
                SELECT count(*) AS n FROM attempts
                WHERE id = ANY($1) AND state = 'awaiting_confirmation' AND quiet_polls > 0
                GROUP BY xmin::text
            ) AS writes
            """,
            [ids.map(\.rawValue)]
        )
        return try rows.first?.decode(Int.self, column: "n") ?? 0
    }

    /// Confirms every payment at once, so that the polls learning it fall due together, and checks
    /// each attempt ends as one-by-one application leaves it: completed by a poll, one history
    /// row per version and none for a poll that learned nothing, its quiet polls counted before
    /// its outcome, and each event once.
    static func completeAndCheck(_ ids: [AttemptID], _ harness: EngineHarness) async throws {
        for id in ids {
            let sessionID = try #require(try await harness.store.attempt(id)?.sessionID)
            try await harness.sandbox.complete(sessionID: sessionID)
        }
        for id in ids {
            let attempt = try await harness.waitFor(id, in: [.completed, .failed, .expired])
            #expect(attempt.state == .completed && attempt.outcomeSource == .poll)
            #expect(attempt.quietPolls >= 1 && attempt.lastQuietPollAt.map { $0 <= attempt.resolvedAt ?? .distantPast } == true)
            let record = try #require(try await harness.store.payment(attempt.paymentID))
            #expect(record.completedAttemptID == attempt.id)
            #expect(record.history.map(\.version) == Array(1...attempt.version), "one row per version")
            #expect(!record.history.contains { $0.input == "fetched" && $0.fromState == $0.toState }, "no poll that learned nothing")
            #expect(try await harness.events(of: id).map(\.type) == [.awaitingConfirmation, .completed])
        }
    }
}
