import Foundation
import LibPQ
import Logging
import MetricsTestKit
import Tender
import TenderTestKit
import Testing

@testable import TenderPostgres

/// The outbox events a store's writes append are announced to other processes (`EventAnnouncer`):
/// by a `NOTIFY` the write carries, or, while the store's `announceEvents()` runs and another
/// write carried one moments before, by that run after the commit, one notice for the writes
/// that committed meanwhile.
@Suite struct EventAnnouncerTests {
    @Test("the notice a write carries reaches another process's listener, without and with a running announcer")
    func eventsAreAnnounced() async throws {
        try await StoreFixture.with { fixture in
            var signals = try await Self.listening(fixture)

            let first = try await fixture.submit()
            try await fixture.store.apply(.deadlineReached, to: first.id, machine: fixture.machine, completing: nil, now: t0 + 100)
            #expect(await Self.nextEventsAppended(from: &signals), "announced without a run")

            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await fixture.store.announceEvents() }
                #expect(try await Self.untilRunning(fixture.store.announcer))
                let second = try await fixture.submit()
                let fired = try await fixture.store.fireDeadlines(dueBy: t0 + 100, limit: 10, owner: "w1", machine: fixture.machine)
                #expect(fired.map(\.claim.attemptID) == [second.id])
                #expect(await Self.nextEventsAppended(from: &signals), "carried by the first write while a run runs")
                group.cancelAll()
            }
            #expect(!fixture.store.announcer.isRunning, "a cancelled run stops announcing")
        }
    }

    @Test("a write carries its notice unless, while a run runs, another carried one within the spacing")
    func writesCarryTheirNoticeWhenAlone() async throws {
        try await StoreFixture.with { fixture in
            let announcer = EventAnnouncer(
                pool: fixture.pool, logger: Logger(label: "EventAnnouncerTests"), metricsFactory: TestMetrics(), spacing: .seconds(3600))
            #expect(announcer.notice() == .carried)
            #expect(announcer.notice() == .carried, "with no run, every write carries its notice")
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await announcer.run() }
                let running = try await Self.untilRunning(announcer)
                #expect(running)
                #expect(announcer.notice() == .carried, "the first write of the spacing")
                #expect(announcer.notice() == .deferred)
                #expect(announcer.notice() == .deferred)
                group.cancelAll()
            }
            #expect(announcer.notice() == .carried, "the run stopped")
        }
    }

    @Test("announcements made while the running announcer's notice waits for a connection go out as one notice, which listeners hear")
    func announcementsCoalesce() async throws {
        try await StoreFixture.with { fixture in
            var signals = try await Self.listening(fixture)
            let metrics = TestMetrics()
            let pool = try await fixture.openPool(size: 1)
            let store = fixture.store(over: pool, countingIn: metrics)
            let notices = try metrics.expectCounter(EventAnnouncer.noticesLabel)
            try await withThrowingDiscardingTaskGroup { group in
                group.addTask { await store.announceEvents() }
                #expect(try await Self.untilRunning(store.announcer))
                try await pool.withConnection { _ in
                    // The pool's only connection is lent here: the run's notice waits for it.
                    for _ in 0..<50 {
                        await store.announcer.announce()
                    }
                }
                #expect(try await waitUntil(timeout: .seconds(60), every: .milliseconds(5)) { notices.totalValue >= 1 })
                #expect(await Self.nextEventsAppended(from: &signals), "the run's notice")
                group.cancelAll()
            }
            #expect(notices.totalValue <= 2, "the notice waiting and the one after it at most, not one per announcement")
        }
    }

    /// The signals of a second store on the fixture's database, as another process would hear
    /// them, once it listens.
    private static func listening(_ fixture: StoreFixture) async throws -> AsyncStream<StoreSignal>.Iterator {
        var signals = try await fixture.openStore().signals().makeAsyncIterator()
        #expect(await signals.next() == .resync, "listening")
        return signals
    }

    /// Whether `announcer`'s run started within a minute.
    private static func untilRunning(_ announcer: EventAnnouncer) async throws -> Bool {
        try await waitUntil(timeout: .seconds(60), every: .milliseconds(5)) { announcer.isRunning }
    }

    /// Whether an ``StoreSignal/eventsAppended`` comes before the signals end, passing over the
    /// announcements of tasks.
    private static func nextEventsAppended(from signals: inout AsyncStream<StoreSignal>.Iterator) async -> Bool {
        while let signal = await signals.next() {
            if signal == .eventsAppended {
                return true
            }
        }
        return false
    }
}
