import Foundation
import Tender
import TenderPostgres
import Testing

@Suite("Webhook inbox")
struct WebhookInboxTests {
    private func hint(_ eventID: String, session: String) -> WebhookHint {
        WebhookHint(eventID: eventID, type: "checkout.session.completed", sessionID: session, createdAt: t0)
    }

    private let body = Array(#"{"id":"evt","type":"checkout.session.completed"}"#.utf8)

    @Test("a webhook for a known session is applied as a hint that schedules a fetch now")
    func knownSessionApplied() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            try await fixture.store.apply(
                .sessionCreated(session(.open, id: "cs_1")), to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 1)
            let receipt = try await fixture.store.receiveWebhook(hint("evt_1", session: "cs_1"), body: body, machine: fixture.machine, now: t0 + 2)
            #expect(receipt == .applied(attempt.id))
            let fetch = try #require(try await fixture.tasks(attempt.id)[.fetch])
            #expect(fetch.purpose == .fetch(.webhook) && fetch.dueAt == t0 + 2)
            #expect(try await fixture.history(attempt.id).last?.input == "webhook_hint")
            let inbox = try await fixture.pool.query("SELECT processed_at, attempt_id, body FROM webhook_inbox WHERE event_id = 'evt_1'")
            #expect(try inbox.first?.decode(Date?.self, column: "processed_at") == t0 + 2)
            #expect(try inbox.first?.decode(UUID?.self, column: "attempt_id") == attempt.id.rawValue)
            #expect(try inbox.first?.decode(Data.self, column: "body") == Data(body))
        }
    }

    @Test("the same event again is a duplicate that changes nothing")
    func duplicateChangesNothing() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            try await fixture.store.apply(
                .sessionCreated(session(.open, id: "cs_1")), to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 1)
            #expect(
                try await fixture.store.receiveWebhook(hint("evt_1", session: "cs_1"), body: body, machine: fixture.machine, now: t0 + 2)
                    == .applied(attempt.id))
            let history = try await fixture.history(attempt.id)
            let tasks = try await fixture.tasks(attempt.id)
            #expect(
                try await fixture.store.receiveWebhook(hint("evt_1", session: "cs_1"), body: body, machine: fixture.machine, now: t0 + 3)
                    == .duplicate)
            #expect(try await fixture.history(attempt.id) == history)
            #expect(try await fixture.tasks(attempt.id) == tasks)
            #expect(try await fixture.count("webhook_inbox") == 1)
        }
    }

    @Test("concurrent deliveries of one event apply it once")
    func concurrentDuplicates() async throws {
        try await StoreFixture.with { fixture in
            let other = try await fixture.openStore()
            let attempt = try await fixture.submit()
            try await fixture.store.apply(
                .sessionCreated(session(.open, id: "cs_1")), to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 1)
            let receipts = try await withThrowingTaskGroup(of: WebhookReceipt.self) { group in
                for index in 0..<8 {
                    let store = index.isMultiple(of: 2) ? fixture.store : other
                    group.addTask {
                        try await store.receiveWebhook(hint("evt_1", session: "cs_1"), body: body, machine: fixture.machine, now: t0 + 2)
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(receipts.filter { $0 == .applied(attempt.id) }.count == 1)
            #expect(receipts.filter { $0 == .duplicate }.count == 7)
            #expect(try await fixture.history(attempt.id).filter { $0.input == "webhook_hint" }.count == 1)
        }
    }

    @Test("an event for an unknown session is parked and applied once an attempt gets that session")
    func parkedEventReplayed() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            #expect(
                try await fixture.store.receiveWebhook(hint("evt_early", session: "cs_late"), body: body, machine: fixture.machine, now: t0 + 1)
                    == .parked)
            #expect(try await fixture.scalar("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL") == 1)
            #expect(try await fixture.history(attempt.id).count == 1)

            try await fixture.store.apply(
                .sessionCreated(session(.open, id: "cs_late")), to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 2)
            let history = try await fixture.history(attempt.id)
            #expect(history.map(\.input) == ["submit", "session_created", "webhook_hint"])
            #expect(history.map(\.version) == [1, 2, 3])
            #expect(try await fixture.store.attempt(attempt.id)?.version == 3)
            let inbox = try await fixture.pool.query("SELECT processed_at, attempt_id FROM webhook_inbox WHERE event_id = 'evt_early'")
            #expect(try inbox.first?.decode(Date?.self, column: "processed_at") == t0 + 2)
            #expect(try inbox.first?.decode(UUID?.self, column: "attempt_id") == attempt.id.rawValue)
            #expect(try await fixture.tasks(attempt.id)[.fetch]?.purpose == .fetch(.webhook))
            // The same event delivered again now is still a duplicate.
            #expect(
                try await fixture.store.receiveWebhook(hint("evt_early", session: "cs_late"), body: body, machine: fixture.machine, now: t0 + 3)
                    == .duplicate)
        }
    }

    @Test("a webhook racing the transition that assigns its session is applied exactly once")
    func webhookRacingSessionAssignment() async throws {
        try await StoreFixture.with { fixture in
            let other = try await fixture.openStore()
            for round in 0..<10 {
                let attempt = try await fixture.submit()
                let sessionID = "cs_race_\(round)"
                async let receipt = other.receiveWebhook(
                    hint("evt_race_\(round)", session: sessionID), body: body, machine: fixture.machine, now: t0 + 1)
                async let created = fixture.store.apply(
                    .sessionCreated(session(.open, id: sessionID)), to: attempt.id, machine: fixture.machine, completing: nil, now: t0 + 1)
                let outcome = try await (receipt, created)
                #expect(outcome.0 == .parked || outcome.0 == .applied(attempt.id))
                let hints = try await fixture.history(attempt.id).filter { $0.input == "webhook_hint" }
                #expect(hints.count == 1, "round \(round): the event was applied \(hints.count) times")
                #expect(try await fixture.scalar("SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL") == 0)
            }
        }
    }
}
