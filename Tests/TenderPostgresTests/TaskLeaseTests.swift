import Foundation
import Tender
import TenderPostgres
import Testing

@Suite("Tasks and leases")
struct TaskLeaseTests {
    private let lease = Duration.seconds(30)

    @Test("a claim takes only due tasks, under a lease with a fence, and nobody else gets them")
    func claimTakesDueTasks() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            let later = try await fixture.submit(now: t0 + 20)
            let before = try await fixture.databaseNow()
            let claims = try await fixture.store.claimTasks(owner: "w1", dueBy: t0 + 1, limit: 10, lease: lease)
            let after = try await fixture.databaseNow()
            let claim = try #require(claims.first)
            #expect(claims.count == 1, "the deadline and the later attempt's call are not due")
            #expect(claim.attemptID == attempt.id && claim.kind == .call && claim.purpose == .call(.createSession))
            #expect(claim.owner == "w1" && claim.fence > 0 && claim.tries == 1 && claim.dueAt == t0)
            #expect(before + lease <= claim.leaseExpiresAt && claim.leaseExpiresAt <= after + lease, "by the database's clock")
            #expect(try await fixture.tasks(attempt.id)[.call]?.leaseOwner == "w1")

            let other = try await fixture.openStore()
            #expect(try await other.claimTasks(owner: "w2", dueBy: t0 + 1, limit: 10, lease: lease).isEmpty)
            let upcoming = try await other.upcomingTasks(dueBy: t0 + 3_600, limit: 10)
            #expect(upcoming.map(\.attemptID) == [later.id, attempt.id, later.id], "leased tasks are not upcoming")
            #expect(upcoming.map(\.kind) == [.call, .deadline, .deadline])
            #expect(upcoming.map(\.dueAt) == upcoming.map(\.dueAt).sorted())
        }
    }

    @Test("a claim takes calls before overdue polls, no more polls than the budget allows, and reads their attempts")
    func claimPutsPollsLastAndWithinBudget() async throws {
        try await StoreFixture.with { fixture in
            // Three attempts awaiting confirmation, whose first polls fall due 6 s after submission.
            var awaiting: [AttemptID] = []
            for _ in 0..<3 {
                let attempt = try await fixture.submit()
                for input in [
                    AttemptInput.sessionCreated(session(.open, id: "cs_\(attempt.id)")), .payAnswered(session(.open, id: "cs_\(attempt.id)")),
                ] {
                    let call = try #require(try await fixture.store.claimTasks(owner: "w0", dueBy: t0, limit: 1, lease: lease).first)
                    try await fixture.store.apply(input, to: attempt.id, machine: fixture.machine, completing: call, now: t0)
                }
                awaiting.append(attempt.id)
            }
            let fresh = try await fixture.submit(now: t0 + 30)
            let pollsDue = t0 + 31
            #expect(try await fixture.store.upcomingTasks(dueBy: pollsDue, limit: 10).filter { $0.kind == .fetch }.count == 3)

            let ready = try await fixture.store.claimTasks(owner: "w1", dueBy: pollsDue, limit: 2, pollLimit: 1, deadlineLimit: 10, lease: lease)
            for task in ready {
                #expect(task.attempt == (try await fixture.store.attempt(task.claim.attemptID)), "each claim reads its attempt as stored")
            }
            let first = ready.map(\.claim)
            #expect(first.map(\.attemptID).first == awaiting.first, "the oldest poll is the earliest due")
            #expect(first.map(\.kind) == [.fetch, .call], "the call comes first, though due later; one poll fills the rest")
            #expect(first.last?.attemptID == fresh.id)

            let none = try await fixture.store.claimTasks(owner: "w1", dueBy: pollsDue, limit: 10, pollLimit: 0, deadlineLimit: 10, lease: lease)
            #expect(none.isEmpty, "two polls are due, but the budget allows none")

            // A webhook for the last one turns its overdue poll into a fetch outside the budget.
            let hint = WebhookHint(eventID: "evt_1", type: "checkout.session.completed", sessionID: "cs_\(awaiting[2])", createdAt: pollsDue)
            #expect(
                try await fixture.store.receiveWebhook(hint, body: Array("{}".utf8), machine: fixture.machine, now: pollsDue) == .applied(awaiting[2])
            )
            let prompted = try await fixture.store.claimTasks(owner: "w1", dueBy: pollsDue, limit: 10, pollLimit: 0, deadlineLimit: 10, lease: lease)
                .map(\.claim)
            #expect(prompted.map(\.attemptID) == [awaiting[2]])
            #expect(prompted.first?.purpose == .fetch(.webhook) && prompted.first.map { $0.dueAt < pollsDue } == true)
            let rest = try await fixture.store.claimTasks(owner: "w1", dueBy: pollsDue, limit: 10, pollLimit: 5, deadlineLimit: 10, lease: lease).map(
                \.claim)
            #expect(rest.map(\.attemptID) == [awaiting[1]])
        }
    }

    @Test("deadlines are claimed apart from the calls: beyond the calls' limit, up to their own")
    func deadlinesClaimedApart() async throws {
        try await StoreFixture.with { fixture in
            var attempts: [Attempt] = []
            for _ in 0..<3 {
                attempts.append(try await fixture.submit())
            }
            let allDue = try #require(attempts.map(\.deadline).max()) + 1
            let first = try await fixture.store.claimTasks(owner: "w1", dueBy: allDue, limit: 1, pollLimit: 1, deadlineLimit: 2, lease: lease).map(
                \.claim)
            #expect(first.filter { $0.kind == .call }.count == 1)
            #expect(first.filter { $0.kind == .deadline }.count == 2)
            let rest = try await fixture.store.claimTasks(owner: "w1", dueBy: allDue, limit: 0, pollLimit: 0, deadlineLimit: 5, lease: lease).map(
                \.claim)
            #expect(rest.map(\.kind) == [.deadline], "no room for calls: only the last deadline")
            #expect(Set((first + rest).filter { $0.kind == .deadline }.map(\.attemptID)) == Set(attempts.map(\.id)))
        }
    }

    @Test("a claimer skips due tasks that another transaction holds locked instead of waiting")
    func claimSkipsLockedRows() async throws {
        try await StoreFixture.with { fixture in
            let locked = try await fixture.submit()
            let free = try await fixture.submit()
            let holder = try await fixture.openPool()
            let claims = try await holder.withTransaction { connection in
                try await connection.query("SELECT 1 FROM tasks WHERE attempt_id = $1 FOR UPDATE", [locked.id.rawValue])
                return try await fixture.store.claimTasks(owner: "w1", dueBy: t0, limit: 10, lease: lease)
            }
            #expect(claims.map(\.attemptID) == [free.id])
            let rest = try await fixture.store.claimTasks(owner: "w2", dueBy: t0, limit: 10, lease: lease)
            #expect(rest.map(\.attemptID) == [locked.id])
        }
    }

    @Test("a lapsed lease passes to another owner with a higher fence, and the first owner is fenced out")
    func lapsedLeaseFencesOutFirstOwner() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            let first = try #require(try await fixture.store.claimTasks(owner: "w1", dueBy: t0, limit: 10, lease: lease).first)
            #expect(try await fixture.store.recoverLapsedLeases() == 0, "the lease still holds")
            try await fixture.lapse([first])
            #expect(try await fixture.store.recoverLapsedLeases() == 1)
            let second = try #require(try await fixture.store.claimTasks(owner: "w2", dueBy: t0 + 31, limit: 10, lease: lease).first)
            #expect(second.attemptID == attempt.id && second.kind == .call)
            #expect(second.fence > first.fence)
            #expect(second.tries == 2)

            let before = try await fixture.store.attempt(attempt.id)
            let error = await #expect(throws: StoreError.self) {
                try await fixture.store.apply(
                    .sessionCreated(session(.open)), to: attempt.id, machine: fixture.machine, completing: first, now: t0 + 32)
            }
            #expect(error?.code == .fencedOut)
            #expect(try await fixture.store.attempt(attempt.id) == before)
            #expect(try await fixture.history(attempt.id).count == 1)
            #expect(try await fixture.tasks(attempt.id)[.call]?.leaseOwner == "w2")
            #expect(try await fixture.store.extendLeases([first], owner: "w1", lease: lease).isEmpty)

            let done = try await fixture.store.apply(
                .sessionCreated(session(.open)), to: attempt.id, machine: fixture.machine, completing: second, now: t0 + 33)
            #expect(done.attempt.version == 2)
            let call = try #require(try await fixture.tasks(attempt.id)[.call])
            #expect(call.purpose == .call(.pay) && call.leaseOwner == nil, "the finished call gave way to the next one")
        }
    }

    @Test("a stale claim cannot complete the task that replaced its own, even for the same owner")
    func staleClaimOnRecreatedTask() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            let stale = try #require(try await fixture.store.claimTasks(owner: "w1", dueBy: t0, limit: 10, lease: lease).first)
            try await fixture.lapse([stale])
            #expect(try await fixture.store.recoverLapsedLeases() == 1)
            let create = try #require(try await fixture.store.claimTasks(owner: "w2", dueBy: t0 + 31, limit: 10, lease: lease).first)
            try await fixture.store.apply(.sessionCreated(session(.open)), to: attempt.id, machine: fixture.machine, completing: create, now: t0 + 31)
            // The finished create call was deleted and the pay call took its place; w1 claims that one.
            let pay = try #require(try await fixture.store.claimTasks(owner: "w1", dueBy: t0 + 31, limit: 10, lease: lease).first)
            #expect(pay.purpose == .call(.pay))
            #expect(pay.fence != stale.fence, "fences are never reused")

            let error = await #expect(throws: StoreError.self) {
                try await fixture.store.apply(
                    .sessionCreated(session(.open)), to: attempt.id, machine: fixture.machine, completing: stale, now: t0 + 32)
            }
            #expect(error?.code == .fencedOut)
            #expect(try await fixture.tasks(attempt.id)[.call]?.leaseOwner == "w1", "the pay call is still pending")
            let paid = try await fixture.store.apply(
                .payAnswered(session(.open)), to: attempt.id, machine: fixture.machine, completing: pay, now: t0 + 33)
            #expect(paid.attempt.state == .awaitingConfirmation)
        }
    }

    @Test("a webhook during an in-flight fetch leads to one more fetch, not zero")
    func rescheduledFetchSurvivesCompletion() async throws {
        try await StoreFixture.with { fixture in
            let attempts = try await attemptsVerifyingTheirPayCalls(fixture)
            let claims = try await fixture.store.claimTasks(owner: "w1", dueBy: t0 + 1, limit: 10, lease: lease)
            #expect(Set(claims.map(\.attemptID)) == Set(attempts.map(\.id)))
            #expect(claims.allSatisfy { $0.kind == .fetch && $0.purpose == .fetch(.verifyCall) })

            // A webhook names the first attempt's session while its fetch runs.
            let hint = WebhookHint(eventID: "evt_1", type: "checkout.session.completed", sessionID: "cs_0", createdAt: t0 + 2)
            #expect(
                try await fixture.store.receiveWebhook(hint, body: Array("{}".utf8), machine: fixture.machine, now: t0 + 2)
                    == .applied(attempts[0].id))

            for claim in claims {
                let index = try #require(attempts.firstIndex { $0.id == claim.attemptID })
                let result = try await fixture.store.apply(
                    .fetched(session(.open, id: "cs_\(index)"), .verifyCall), to: claim.attemptID, machine: fixture.machine, completing: claim,
                    now: t0 + 3
                )
                #expect(result.attempt.stage == .repaying)
                #expect(!result.effects.contains { if case .fetch = $0 { true } else { false } })
            }
            let survivor = try #require(try await fixture.tasks(attempts[0].id)[.fetch])
            #expect(survivor.leaseOwner == nil)
            #expect(try await fixture.tasks(attempts[1].id)[.fetch] == nil, "without a webhook the finished fetch is gone")

            let again = try await fixture.store.claimTasks(owner: "w2", dueBy: t0 + 3, limit: 10, lease: lease)
            #expect(again.filter { $0.kind == .fetch }.map(\.attemptID) == [attempts[0].id])
        }
    }

    @Test("a task rescheduled while it ran is announced when its run releases it, alone or in a batch")
    func rescheduledTaskIsAnnouncedOnRelease() async throws {
        try await StoreFixture.with { fixture in
            let attempts = try await attemptsVerifyingTheirPayCalls(fixture)
            let claims = try await fixture.store.claimTasks(owner: "w1", dueBy: t0 + 1, limit: 10, lease: lease)
            #expect(claims.count == 2)

            var signals = fixture.store.signals().makeAsyncIterator()
            #expect(await signals.next() == .resync, "listening")
            // Webhooks ask for fetches of both sessions while the fetches run: announced while leased.
            for index in 0..<2 {
                let hint = WebhookHint(eventID: "evt_\(index)", type: "checkout.session.completed", sessionID: "cs_\(index)", createdAt: t0 + 2)
                _ = try await fixture.store.receiveWebhook(hint, body: Array("{}".utf8), machine: fixture.machine, now: t0 + 2)
            }
            var dueTimes: [Date] = []
            for attempt in attempts {
                dueTimes.append(try #require(try await fixture.tasks(attempt.id)[.fetch]).dueAt)
            }
            _ = try await Self.signals(until: 1, from: &signals, fixture)

            // One run finishes alone, the other in a batch; each releases its rescheduled fetch.
            let fetched = { (index: Int) in AttemptInput.fetched(session(.open, id: "cs_\(index)"), .verifyCall) }
            let alone = try #require(claims.first { $0.attemptID == attempts[0].id })
            let batched = try #require(claims.first { $0.attemptID == attempts[1].id })
            try await fixture.store.apply(fetched(0), to: alone.attemptID, machine: fixture.machine, completing: alone, now: t0 + 3)
            let results = try await fixture.store.applyBatch(
                [BatchInput(input: fetched(1), attemptID: batched.attemptID, claim: batched)], machine: fixture.machine, now: t0 + 3)
            #expect(results.count == 1)
            #expect(try await fixture.tasks(attempts[1].id)[.fetch]?.leaseOwner == nil)
            let announced = try await Self.signals(until: 2, from: &signals, fixture)
            let ofTheFetches = announced.filter { at in dueTimes.contains { abs(at.timeIntervalSince($0)) < 0.001 } }
            #expect(ofTheFetches.count == 2, "announced \(announced), the fetches due \(dueTimes)")
        }
    }

    /// Two attempts, of sessions `cs_0` and `cs_1`, whose pay call timed out: each verifies its
    /// session with a fetch.
    private func attemptsVerifyingTheirPayCalls(_ fixture: StoreFixture) async throws -> [Attempt] {
        var attempts: [Attempt] = []
        for index in 0..<2 {
            let attempt = try await fixture.submit()
            let create = try #require(try await fixture.store.claimTasks(owner: "w0", dueBy: t0, limit: 10, lease: lease).first)
            try await fixture.store.apply(
                .sessionCreated(session(.open, id: "cs_\(index)")), to: attempt.id, machine: fixture.machine, completing: create, now: t0)
            let pay = try #require(try await fixture.store.claimTasks(owner: "w0", dueBy: t0, limit: 10, lease: lease).first)
            #expect(pay.purpose == .call(.pay))
            let unknown = GatewayError(kind: .retryLater, outcomeUnknown: true)
            try await fixture.store.apply(.callFailed(.pay, unknown), to: attempt.id, machine: fixture.machine, completing: pay, now: t0 + 1)
            attempts.append(attempt)
        }
        return attempts
    }

    /// The due times announced before a marker notification sent now, `marker` milliseconds after 1970.
    private static func signals(
        until marker: Int, from signals: inout AsyncStream<StoreSignal>.Iterator, _ fixture: StoreFixture
    ) async throws -> [Date] {
        _ = try await fixture.pool.query("SELECT pg_notify($1, $2)", [PostgresPaymentStore.taskChannel, String(marker)])
        let markerDate = Date(timeIntervalSince1970: Double(marker) / 1000)
        var announced: [Date] = []
        while let signal = await signals.next() {
            guard case .taskDue(let at) = signal else { continue }
            if at == markerDate { return announced }
            announced.append(at)
        }
        Issue.record("the store's signals ended before the marker")
        return announced
    }

    @Test("released tasks go back to the queue for another owner")
    func releaseGivesTasksBack() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            let claims = try await fixture.store.claimTasks(owner: "w1", dueBy: t0, limit: 10, lease: lease)
            #expect(claims.count == 1)
            try await fixture.store.release(claims)
            #expect(try await fixture.tasks(attempt.id)[.call]?.leaseOwner == nil)
            let again = try await fixture.store.claimTasks(owner: "w2", dueBy: t0, limit: 10, lease: lease)
            #expect(again.map(\.attemptID) == [attempt.id])
            #expect(try #require(again.first?.fence) > claims[0].fence)

            // A stale release of the old claim does not take the task from its new owner.
            try await fixture.store.release(claims)
            #expect(try await fixture.tasks(attempt.id)[.call]?.leaseOwner == "w2")
        }
    }

    @Test("a task given back, released by its owner or freed from a lapsed lease is announced")
    func releasedTasksAreAnnounced() async throws {
        try await StoreFixture.with { fixture in
            var attempts: [Attempt] = []
            var claims: [TaskClaim] = []
            for owner in ["w1", "w2", "w3"] {
                attempts.append(try await fixture.submit())
                claims += try await fixture.store.claimTasks(owner: owner, dueBy: t0, limit: 10, lease: lease)
            }
            #expect(claims.map(\.attemptID) == attempts.map(\.id))
            var dueTimes: [Date] = []
            for attempt in attempts {
                dueTimes.append(try #require(try await fixture.tasks(attempt.id)[.call]).dueAt)
            }
            var signals = fixture.store.signals().makeAsyncIterator()
            #expect(await signals.next() == .resync, "listening")
            _ = try await Self.signals(until: 1, from: &signals, fixture)

            try await fixture.store.release([claims[0]])
            let given = try await Self.signals(until: 2, from: &signals, fixture)
            #expect(try await fixture.store.releaseLeases(owner: "w2") == 1)
            let released = try await Self.signals(until: 3, from: &signals, fixture)
            try await fixture.lapse([claims[2]])
            #expect(try await fixture.store.recoverLapsedLeases() == 1)
            let recovered = try await Self.signals(until: 4, from: &signals, fixture)

            for (announced, dueAt) in zip([given, released, recovered], dueTimes) {
                #expect(announced.map { ($0.timeIntervalSince1970 * 1000).rounded() } == [(dueAt.timeIntervalSince1970 * 1000).rounded()])
            }
        }
    }

    @Test("extending leases keeps only the claims still held")
    func extendKeepsHeldClaims() async throws {
        try await StoreFixture.with { fixture in
            let short = try await fixture.submit()
            let long = try await fixture.submit(now: t0 + 5)
            let first = try await fixture.store.claimTasks(owner: "w1", dueBy: t0, limit: 10, lease: .seconds(10))
            let second = try await fixture.store.claimTasks(owner: "w1", dueBy: t0 + 5, limit: 10, lease: .seconds(60))
            #expect(first.map(\.attemptID) == [short.id] && second.map(\.attemptID) == [long.id])

            try await fixture.lapse(first)
            #expect(try await fixture.store.recoverLapsedLeases() == 1)
            let taken = try await fixture.store.claimTasks(owner: "w2", dueBy: t0 + 20, limit: 10, lease: lease)
            #expect(taken.map(\.attemptID) == [short.id])

            let before = try await fixture.databaseNow()
            let kept = try await fixture.store.extendLeases(first + second, owner: "w1", lease: .seconds(600))
            #expect(kept.map(\.attemptID) == [long.id])
            let expiry = try #require(kept.first?.leaseExpiresAt)
            #expect(expiry >= before + 600, "extended by the database's clock")
            let stored = try await fixture.pool.query(
                "SELECT lease_expires_at FROM tasks WHERE attempt_id = $1 AND kind = 'call'", [long.id.rawValue]
            )
            #expect(try stored.first?.decode(Date.self, column: "lease_expires_at") == expiry)
            // w2's lease lapses; the extended one holds.
            try await fixture.lapse(taken)
            #expect(try await fixture.store.recoverLapsedLeases() == 1)
            #expect(try await fixture.tasks(long.id)[.call]?.leaseOwner == "w1")
            #expect(try await fixture.tasks(short.id)[.call]?.leaseOwner == nil)
        }
    }

    @Test("finished tasks are deleted: an attempt that reached its outcome leaves the task table empty")
    func finishedTasksAreDeleted() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await fixture.submit()
            let policy = fixture.machine.policy
            var now = t0
            // Work every due task as a worker would, earliest first, answering as a willing payer's gateway.
            var steps: [TaskPurpose] = []
            while let claim = try await fixture.store.claimTasks(owner: "w1", dueBy: now, limit: 1, lease: lease).first {
                let input: AttemptInput =
                    switch claim.purpose {
                    case .call(.createSession): .sessionCreated(session(.open))
                    case .call(.pay): .payAnswered(session(.open))
                    default: .fetched(session(.completed), .poll)
                    }
                steps.append(claim.purpose)
                try await fixture.store.apply(input, to: attempt.id, machine: fixture.machine, completing: claim, now: now)
                now = try await fixture.store.upcomingTasks(dueBy: now + 3_600, limit: 1).first?.dueAt ?? now
                if steps.count > 5 { break }
            }
            #expect(steps == [.call(.createSession), .call(.pay), .fetch(.poll)])
            #expect(try await fixture.store.attempt(attempt.id)?.state == .completed)
            #expect(now == t0 + policy.firstPollDelay)
            #expect(try await fixture.count("tasks") == 0)
        }
    }
}
