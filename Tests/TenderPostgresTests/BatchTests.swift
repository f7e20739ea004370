import Foundation
import LibPQ
import Tender
import TenderPostgres
import Testing

/// `applyBatch` must leave the database exactly as applying the same inputs one after the other
/// does. Each test builds two identical sets of attempts, applies the inputs to one set in a batch
/// and to the other one by one, and compares what every pair of attempts ended up with.
@Suite struct BatchTests {
    @Test func batchedDeadlinesLeaveWhatOneByOneDeadlinesLeave() async throws {
        try await StoreFixture.with { fixture in
            var batched: [Attempt] = []
            var single: [Attempt] = []
            for _ in 0..<6 {
                batched.append(try await fixture.submit())
                single.append(try await fixture.submit())
            }
            let claims = try await fixture.store.claimTasks(owner: "w1", dueBy: t0 + 200, limit: 100, lease: .seconds(60))
            func deadline(_ attempt: Attempt) throws -> TaskClaim {
                try #require(claims.first { $0.attemptID == attempt.id && $0.kind == .deadline })
            }
            let results = try await fixture.store.applyBatch(
                try batched.map { BatchInput(input: .deadlineReached, attemptID: $0.id, claim: try deadline($0)) }, machine: fixture.machine,
                now: t0 + 100
            )
            for attempt in single {
                try await fixture.store.apply(
                    .deadlineReached, to: attempt.id, machine: fixture.machine, completing: try deadline(attempt), now: t0 + 100)
            }
            #expect(results.allSatisfy { (try? $0.get())?.attempt.state == .expired })
            for (one, other) in zip(batched, single) {
                let batchedSnapshot = try await Snapshot(fixture, one.id)
                let singleSnapshot = try await Snapshot(fixture, other.id)
                #expect(batchedSnapshot == singleSnapshot)
                #expect(batchedSnapshot.state == .expired)
                #expect(batchedSnapshot.events == ["attempt.expired v2"])
            }
        }
    }

    @Test func aBatchWithRepeatedAttemptsSharedPaymentsParkedWebhooksAndRefusalsEqualsOneByOne() async throws {
        try await StoreFixture.with { fixture in
            let batched = try await Scenario.prepare(fixture, tag: "a")
            let single = try await Scenario.prepare(fixture, tag: "b")

            let results = try await fixture.store.applyBatch(batched.items, machine: fixture.machine, now: t0 + 50)
            var singleResults: [StoreError.Code?] = []
            for item in single.items {
                do {
                    try await fixture.store.apply(item.input, to: item.attemptID, machine: fixture.machine, completing: item.claim, now: t0 + 50)
                    singleResults.append(nil)
                } catch let error as StoreError {
                    singleResults.append(error.code)
                }
            }

            #expect(
                results.map { result -> StoreError.Code? in
                    if case .failure(let error) = result { error.code } else { nil }
                } == singleResults)
            #expect(singleResults == [nil, nil, nil, .fencedOut, .notFound])
            for (one, other) in zip(batched.attempts, single.attempts) {
                #expect(try await Snapshot(fixture, one) == Snapshot(fixture, other))
            }
            let late = try await Snapshot(fixture, batched.attempts[0])
            #expect(late.state == .completed && late.duplicate && late.late)
            let first = try await Snapshot(fixture, batched.attempts[1])
            #expect(first.state == .completed && first.completesPayment && first.history.contains { $0.input == "webhook_hint" })
        }
    }
}

/// Two attempts of one payment: the first expired, the second open with a parked webhook for the
/// session it is about to get; the inputs complete the second (twice named in the batch), complete
/// the first late (a duplicate charge), present a stale claim, and name an attempt that does not exist.
private struct Scenario {
    var attempts: [AttemptID]
    var items: [BatchInput]

    static func prepare(_ fixture: StoreFixture, tag: String) async throws -> Scenario {
        let paymentID = "payment-\(tag)"
        let expired = try await fixture.submit(payment: paymentID, key: "first-\(tag)")
        try await fixture.store.apply(
            .sessionCreated(session(.open, id: "cs_first_\(tag)")), to: expired.id, machine: fixture.machine, completing: nil, now: t0 + 1)
        try await fixture.store.apply(.deadlineReached, to: expired.id, machine: fixture.machine, completing: nil, now: t0 + 2)
        let open = try await fixture.submit(payment: paymentID, key: "second-\(tag)", now: t0 + 3)
        let sessionID = "cs_second_\(tag)"
        _ = try await fixture.store.receiveWebhook(
            WebhookHint(eventID: "evt_\(tag)", type: "checkout.session.completed", sessionID: sessionID, createdAt: t0 + 4),
            body: Array("{}".utf8), machine: fixture.machine, now: t0 + 4
        )
        let claims = try await fixture.store.claimTasks(owner: "w1", dueBy: t0 + 10, limit: 10, lease: .seconds(60))
        var stale = try #require(claims.first { $0.attemptID == open.id && $0.kind == .call })
        stale.fence -= 1
        return Scenario(
            attempts: [expired.id, open.id],
            items: [
                BatchInput(input: .sessionCreated(session(.open, id: sessionID)), attemptID: open.id),
                BatchInput(input: .payAnswered(session(.completed, id: sessionID)), attemptID: open.id),
                BatchInput(input: .fetched(session(.completed, id: "cs_first_\(tag)"), .gracePoll), attemptID: expired.id),
                BatchInput(input: .deadlineReached, attemptID: open.id, claim: stale),
                BatchInput(input: .deadlineReached, attemptID: AttemptID()),
            ]
        )
    }
}

/// What an attempt ended up with, without the ids that differ between the two sets.
private struct Snapshot: Hashable {
    struct History: Hashable {
        var version: Int64
        var from: AttemptState?
        var to: AttemptState
        var input: String
        var note: String
    }

    var state: AttemptState
    var stage: Attempt.Stage
    var version: Int64
    var hasCode: Bool
    var failure: String?
    var late: Bool
    var duplicate: Bool
    var retries: Int
    var completesPayment: Bool
    var history: [History]
    var tasks: [String]
    var events: [String]

    init(_ fixture: StoreFixture, _ id: AttemptID) async throws {
        let attempt = try #require(try await fixture.store.attempt(id))
        state = attempt.state
        stage = attempt.stage
        version = attempt.version
        hasCode = attempt.code != nil
        failure = attempt.failure?.description
        late = attempt.late
        duplicate = attempt.duplicate
        retries = attempt.retries
        completesPayment =
            try await fixture.scalar(
                "SELECT count(*) FROM payments WHERE completed_attempt_id = $1", [id.rawValue]
            ) == 1
        history = try await fixture.history(id).map {
            History(
                version: $0.version, from: $0.from, to: $0.to, input: $0.input,
                note: $0.note.replacing(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/, with: "ID"))
        }
        let tasks = try await fixture.tasks(id)
        self.tasks = tasks.map { kind, task in
            "\(kind.rawValue) \(task.purpose.reason) \(task.dueAt.timeIntervalSince1970) g\(task.generation) \(task.leaseOwner ?? "-")"
        }.sorted()
        let events = try await fixture.pool.query("SELECT type, version FROM outbox WHERE attempt_id = $1 ORDER BY id", [id.rawValue])
        self.events = try events.map { "\(try $0.decode(String.self, column: "type")) v\(try $0.decode(Int64.self, column: "version"))" }
    }
}
