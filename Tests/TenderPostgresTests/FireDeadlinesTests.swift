import Foundation
import LibPQ
import Tender
import Testing

@testable import TenderPostgres

/// `fireDeadlines` claims due deadlines and fires them in one transaction: nothing it claims
/// outlives it, it never waits for a row a transition holds, and workers firing at once share the
/// deadlines out.
@Suite struct FireDeadlinesTests {
    @Test func dueDeadlinesAreClaimedAndFiredTogetherAndLeaveNoLease() async throws {
        try await StoreFixture.with { fixture in
            var due: [Attempt] = []
            for _ in 0..<3 {
                due.append(try await fixture.submit())
            }
            let later = try await fixture.submit(now: t0 + 1_000)

            let fired = try await fixture.store.fireDeadlines(dueBy: t0 + 200, limit: 10, owner: "w1", machine: fixture.machine)

            #expect(Set(fired.map(\.claim.attemptID)) == Set(due.map(\.id)))
            #expect(fired.allSatisfy { (try? $0.result.get())?.attempt.state == .expired })
            #expect(fired.allSatisfy { $0.claim.kind == .deadline && $0.claim.owner == "w1" })
            for attempt in due {
                #expect(try await fixture.tasks(attempt.id).isEmpty, "the deadline and the session call are gone")
                #expect(try await fixture.history(attempt.id).map(\.input).last == "deadline_reached")
            }
            let transactions = try await fixture.scalar(
                "SELECT count(DISTINCT xmin::text) AS n FROM attempts WHERE id = ANY ($1::uuid[])", [due.map(\.id.rawValue)])
            #expect(transactions == 1, "one transaction wrote every expiry")
            #expect(try await fixture.tasks(later.id)[.deadline]?.leaseOwner == nil, "a deadline not yet due is left alone")
            #expect(
                try await fixture.store.fireDeadlines(dueBy: t0 + 200, limit: 10, owner: "w1", machine: fixture.machine).isEmpty)
        }
    }

    @Test func aDeadlineWhoseAttemptOrPaymentIsLockedIsSkippedWithoutWaiting() async throws {
        try await StoreFixture.with { fixture in
            let lockedAttempt = try await fixture.submit()
            let lockedPayment = try await fixture.submit()
            let free = try await fixture.submit()
            let holder = try await fixture.openPool()

            let firedMeanwhile = try await holder.withTransaction { connection in
                _ = try await connection.query("SELECT id FROM attempts WHERE id = $1 FOR UPDATE", [lockedAttempt.id.rawValue])
                _ = try await connection.query("SELECT id FROM payments WHERE id = $1 FOR UPDATE", [lockedPayment.paymentID.rawValue])
                return try await fixture.store.fireDeadlines(
                    dueBy: t0 + 200, limit: 10, owner: "w1", machine: fixture.machine)
            }
            #expect(firedMeanwhile.map(\.claim.attemptID) == [free.id])
            #expect(try await fixture.tasks(lockedAttempt.id)[.deadline] != nil, "the skipped deadline is still due")

            let firedAfter = try await fixture.store.fireDeadlines(
                dueBy: t0 + 200, limit: 10, owner: "w1", machine: fixture.machine)
            #expect(Set(firedAfter.map(\.claim.attemptID)) == [lockedAttempt.id, lockedPayment.id])
        }
    }

    @Test func workersFiringAtOnceFireEachDeadlineOnce() async throws {
        try await StoreFixture.with { fixture in
            var attempts: [AttemptID] = []
            for _ in 0..<40 {
                attempts.append(try await fixture.submit().id)
            }
            let stores = [fixture.store, try await fixture.openStore()]
            let fired = try await withThrowingTaskGroup(of: [AttemptID].self) { group in
                for (index, store) in stores.enumerated() {
                    group.addTask {
                        var fired: [AttemptID] = []
                        while true {
                            let batch = try await store.fireDeadlines(
                                dueBy: t0 + 200, limit: 3, owner: "w\(index)", machine: fixture.machine)
                            guard !batch.isEmpty else { return fired }
                            fired += batch.map(\.claim.attemptID)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(fired.count == attempts.count)
            #expect(Set(fired) == Set(attempts))
            let expiries = try await fixture.scalar("SELECT count(*) AS n FROM attempt_history WHERE input = 'deadline_reached'")
            #expect(expiries == attempts.count)
        }
    }
}
