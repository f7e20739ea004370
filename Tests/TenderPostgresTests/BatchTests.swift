import Foundation
import LibPQ
import Tender
import Testing

@testable import TenderPostgres

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
                #expect(batchedSnapshot.events.map { $0.prefix(18) } == ["attempt.expired v2"])
            }
        }
    }

    @Test func aBatchOf500DeadlinesAndQuietPollsIsAHandfulOfStatementsAndEqualsOneByOne() async throws {
        try await StoreFixture.with { fixture in
            let batched = try await LargeBatch.prepare(fixture, tag: "a")
            let single = try await LargeBatch.prepare(fixture, tag: "b")
            let now = t0 + 100

            let (results, traffic) = try await fixture.pool.withTransaction { connection in
                try await fixture.store.applyBatch(batched.items, machine: fixture.machine, now: now, on: connection)
            }
            for item in single.items {
                try await fixture.store.apply(item.input, to: item.attemptID, machine: fixture.machine, completing: item.claim, now: now)
            }

            #expect(results.count == 500 && results.allSatisfy { (try? $0.get()) != nil })
            #expect(traffic.roundTrips == 2, "one round trip locks, one writes")
            // Two locks; then the completed and canceled tasks, the attempts, their history, the
            // quiet polls, the fetches, the events and the announcement. The events are announced
            // after the commit.
            #expect(traffic.statements == 9, "a handful of statements for 500 items, not several each")
            for (one, other) in zip(batched.items, single.items) {
                #expect(try await Snapshot(fixture, one.attemptID) == Snapshot(fixture, other.attemptID))
            }
            var outcomes: [Attempt] = []
            for item in batched.items {
                outcomes.append(try #require(try await fixture.store.attempt(item.attemptID)))
            }
            #expect(outcomes.filter { $0.state == .expired }.count == 200, "the deadlines of attempts without a session expire them")
            #expect(outcomes.filter { $0.state == .awaitingConfirmation && $0.quietPolls == 0 }.count == 200, "the others' ask for a last poll")
            #expect(outcomes.filter { $0.quietPolls == 1 }.count == 100, "the polls that learned nothing are counted")
        }
    }

    @Test func aSetBasedUpdateThatMissesAnAttemptsVersionFailsTheBatch() async throws {
        try await StoreFixture.with { fixture in
            let attempts = [try await fixture.submit(), try await fixture.submit()]
            let before = try await Snapshot(fixture, attempts[1].id)
            let error = await #expect(throws: StoreError.self) {
                try await fixture.pool.withTransaction { connection in
                    var writes = BatchPipeline(now: t0 + 100)
                    for (index, attempt) in attempts.enumerated() {
                        var stale = attempt
                        stale.version += Int64(index)  // the second was changed by someone else meanwhile
                        writes.set.add(
                            fixture.machine.transition(stale, .deadlineReached, context: PaymentContext(), now: t0 + 100), of: .deadlineReached)
                    }
                    try await writes.flush(on: connection)
                }
            }
            #expect(error?.code == .fencedOut)
            #expect(try await fixture.store.attempt(attempts[0].id) == attempts[0], "the whole batch is rolled back")
            #expect(try await Snapshot(fixture, attempts[1].id) == before)
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

/// 500 inputs for 500 attempts, each with its claim: the deadlines of 200 attempts still creating
/// their session (they expire), the deadlines of 200 awaiting confirmation (a last poll is asked
/// for), and the polls of 100 awaiting confirmation that find the session still open (quiet).
private struct LargeBatch {
    var items: [BatchInput]

    static func prepare(_ fixture: StoreFixture, tag: String) async throws -> LargeBatch {
        var deadlines: [AttemptID] = []
        var polled: [AttemptID] = []
        for index in 0..<400 {
            let attempt = try await fixture.submit()
            if index >= 200 {
                try await awaitConfirmation(attempt.id, session: "cs_\(index)_\(tag)", at: t0 + 1, fixture)
            }
            deadlines.append(attempt.id)
        }
        for index in 400..<500 {
            let attempt = try await fixture.submit(now: t0 + 60)
            try await awaitConfirmation(attempt.id, session: "cs_\(index)_\(tag)", at: t0 + 61, fixture)
            polled.append(attempt.id)
        }
        let claims = try await fixture.store.claimTasks(owner: "w1", dueBy: t0 + 100, limit: 10_000, lease: .seconds(300))
        func claim(_ id: AttemptID, _ kind: TaskKind) throws -> TaskClaim {
            try #require(claims.first { $0.attemptID == id && $0.kind == kind })
        }
        var items = try deadlines.map { BatchInput(input: .deadlineReached, attemptID: $0, claim: try claim($0, .deadline)) }
        for (offset, id) in polled.enumerated() {
            let open = session(.open, id: "cs_\(400 + offset)_\(tag)")
            items.append(BatchInput(input: .fetched(open, .poll), attemptID: id, claim: try claim(id, .fetch)))
        }
        return LargeBatch(items: items)
    }

    private static func awaitConfirmation(_ id: AttemptID, session sessionID: String, at time: Date, _ fixture: StoreFixture) async throws {
        try await fixture.store.apply(.sessionCreated(session(.open, id: sessionID)), to: id, machine: fixture.machine, completing: nil, now: time)
        try await fixture.store.apply(.payAnswered(session(.open, id: sessionID)), to: id, machine: fixture.machine, completing: nil, now: time + 1)
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

/// What an attempt ended up with, without the ids that differ between the two sets (attempt ids,
/// and session ids, which end in the set's tag, `_a` or `_b`).
private struct Snapshot: Hashable {
    struct History: Hashable {
        var version: Int64
        var from: AttemptState?
        var to: AttemptState
        var input: String
        var source: String
        var note: String
        var evidence: String?
        var at: Date
    }

    var state: AttemptState
    var stage: Attempt.Stage
    var version: Int64
    var hasCode: Bool
    var hasSession: Bool
    var failure: String?
    var late: Bool
    var duplicate: Bool
    var retries: Int
    var resolvedAt: Date?
    var outcomeSource: InputSource?
    var quietPolls: Int
    var lastQuietPollAt: Date?
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
        hasSession = attempt.sessionID != nil
        failure = attempt.failure?.description
        late = attempt.late
        duplicate = attempt.duplicate
        retries = attempt.retries
        resolvedAt = attempt.resolvedAt
        outcomeSource = attempt.outcomeSource
        quietPolls = attempt.quietPolls
        lastQuietPollAt = attempt.lastQuietPollAt
        completesPayment =
            try await fixture.scalar(
                "SELECT count(*) FROM payments WHERE completed_attempt_id = $1", [id.rawValue]
            ) == 1
        let history = try await fixture.pool.query(
            "SELECT version, from_state, to_state, input, source, note, evidence::text, at FROM attempt_history WHERE attempt_id = $1 ORDER BY version",
            [id.rawValue])
        self.history = try history.map { row in
            History(
                version: try row.decode(Int64.self, column: "version"),
                from: try row.decode(String?.self, column: "from_state").flatMap(AttemptState.init(rawValue:)),
                to: try #require(AttemptState(rawValue: row.decode(String.self, column: "to_state"))),
                input: try row.decode(String.self, column: "input"), source: try row.decode(String.self, column: "source"),
                note: Self.withoutIDs(try row.decode(String.self, column: "note")),
                evidence: try row.decode(String?.self, column: "evidence").map(Self.withoutIDs), at: try row.decode(Date.self, column: "at"))
        }
        let tasks = try await fixture.tasks(id)
        self.tasks = tasks.map { kind, task in
            "\(kind.rawValue) \(task.purpose.reason) \(task.dueAt.timeIntervalSince1970) g\(task.generation) \(task.leaseOwner ?? "-")"
        }.sorted()
        let events = try await fixture.pool.query(
            "SELECT type, version, payload::text, created_at FROM outbox WHERE attempt_id = $1 ORDER BY id", [id.rawValue])
        self.events = try events.map { row in
            let payload = Self.withoutIDs(try row.decode(String.self, column: "payload"))
            let created = try row.decode(Date.self, column: "created_at").timeIntervalSince1970
            return "\(try row.decode(String.self, column: "type")) v\(try row.decode(Int64.self, column: "version")) \(payload) \(created)"
        }
    }

    /// `text` with attempt ids and the sets' tags blanked out.
    private static func withoutIDs(_ text: String) -> String {
        text.replacing(/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}/, with: "ID").replacing(/_[ab]"/, with: "\"")
    }
}
