import Foundation
import Testing

@testable import Tender

/// The scheduler's bookkeeping fed events by hand, with no store and no clock: each test says what
/// happened and checks what the machine asks the engine to do.
@Suite("Scheduler state machine")
struct SchedulerStateMachineTests {
    let t = Fixture.t

    /// A machine with the default configuration but for the values given, its budget full at `t(0)`.
    func machine(
        maximumConcurrentCalls: Int = 32, claimBatchSize: Int = 128, pollBudget: Double = 50, sweepInterval: Duration = .seconds(1)
    ) -> Machine {
        var configuration = EngineConfiguration()
        configuration.maximumConcurrentCalls = maximumConcurrentCalls
        configuration.claimBatchSize = claimBatchSize
        configuration.pollBudget = pollBudget
        configuration.sweepInterval = sweepInterval
        return Machine(SchedulerStateMachine(configuration: configuration, now: t(0)))
    }

    /// Starts the loop at `t(0)` and lets its first sweep find nothing and its first deadline
    /// batch fire none; the loop then owes a claim.
    func started(_ machine: Machine) {
        machine.state.runStarted()
        #expect(machine.next(now: t(0)) == .sweep(recoverLeases: true))
        machine.state.swept([], loadedUntil: t(2), now: t(0))
        firesNoDeadlines(machine, now: t(0))
    }

    /// A claim of attempt `number`'s task of `purpose`.
    func claim(_ number: Int, _ purpose: TaskPurpose = .call(.pay), fence: Int64 = 1) -> TaskClaim {
        TaskClaim(
            attemptID: Fixture.attemptID(number), purpose: purpose, dueAt: t(0), owner: "worker-1",
            fence: fence, generation: 1, tries: 1, leaseExpiresAt: t(30)
        )
    }

    /// Claims of attempts `numbers`, each of `purpose`.
    func claims(_ numbers: ClosedRange<Int>, _ purpose: TaskPurpose = .call(.pay)) -> [TaskClaim] {
        numbers.map { claim($0, purpose) }
    }

    /// The tasks of claims, to run each on its own.
    func tasks(_ claims: [TaskClaim]) -> [ReadyTask] {
        claims.map { ReadyTask(claim: $0) }
    }

    /// Due times a sweep found, of tasks of `kind`.
    func due(_ times: Date..., kind: TaskKind = .call) -> [ScheduledTask] {
        times.enumerated().map { ScheduledTask(attemptID: Fixture.attemptID($0.offset + 1), kind: kind, dueAt: $0.element) }
    }

    /// After a sweep the loop fires a deadline batch first; it comes back with none.
    func firesNoDeadlines(_ machine: Machine, now: Date) {
        let action = machine.next(now: now)
        guard case .fireDeadlines(let limit) = action else {
            Issue.record("expected a deadline batch, got \(action)")
            return
        }
        machine.state.deadlinesFired(0, limit: limit)
    }

    @Test("the loop sweeps first, then every sweep interval, recovering lapsed leases every fifth sweep")
    func sweeps() {
        let machine = machine()
        machine.state.runStarted()
        for second in 0..<11 {
            let now = t(Double(second))
            #expect(machine.next(now: now) == .sweep(recoverLeases: second % 5 == 0))
            machine.state.swept([], loadedUntil: now + .seconds(2), now: now)
            firesNoDeadlines(machine, now: now)
            #expect(machine.next(now: now) == .claim(limit: 32, polls: 24))
            #expect(machine.claimed([]).isEmpty)
            #expect(machine.next(now: now) == .sleep(until: t(Double(second + 1))))
        }
    }

    @Test("while a sweep runs the loop fires and claims, and asks for no other sweep until it ends")
    func workGoesOnDuringASweep() {
        let machine = machine()
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 32, polls: 24))
        #expect(machine.claimed([]).isEmpty)
        #expect(machine.next(now: t(1)) == .sweep(recoverLeases: false))
        machine.state.schedule(t(1.5), kind: .deadline, now: t(1))
        #expect(machine.next(now: t(1)) == .sleep(until: t(1.5)), "the sweep runs: the next due time, not the next sweep")
        #expect(machine.next(now: t(1.5)) == .fireDeadlines(limit: 128))
        #expect(machine.next(now: t(2.5)) == .sleep(until: .distantFuture), "the sweep is late, and no second one starts")
        machine.state.swept([], loadedUntil: t(4.5), now: t(2.5))
        firesNoDeadlines(machine, now: t(2.5))
        #expect(machine.next(now: t(2.5)) == .claim(limit: 31, polls: 23), "a deadline batch still runs")
    }

    @Test("a failed sweep is tried again a sweep interval later, and due tasks are claimed meanwhile")
    func failedSweep() {
        let machine = machine()
        machine.state.runStarted()
        #expect(machine.next(now: t(0)) == .sweep(recoverLeases: true))
        machine.state.sweepFailed(now: t(0))
        firesNoDeadlines(machine, now: t(0))
        #expect(machine.next(now: t(0)) == .claim(limit: 32, polls: 24))
        #expect(machine.claimed([]).isEmpty)
        #expect(machine.next(now: t(0.5)) == .sleep(until: t(1)))
        #expect(machine.next(now: t(1)) == .sweep(recoverLeases: false))
    }

    @Test("a task that ends wakes the loop only when a free slot gives it something to do")
    func freedSlotWakesTheLoopWhenItWaitsForRoom() throws {
        let machine = machine(maximumConcurrentCalls: 4)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 4, polls: 3))
        #expect(machine.claimed(claims(1...2)) == tasks(claims(1...2)))
        #expect(!machine.state.awaitsFreeSlot, "the claim came back short: nothing due waits for room")
        #expect(machine.next(now: t(0)) == .sleep(until: t(1)))
        machine.state.schedule(t(0.1), kind: .call, now: t(0))
        #expect(machine.next(now: t(0.1)) == .claim(limit: 2, polls: 1))
        #expect(machine.claimed(claims(3...4)) == tasks(claims(3...4)))
        #expect(machine.state.awaitsFreeSlot, "a full claim may leave more due, and there is no room")
        #expect(machine.finished(claim(1)) == nil)
        #expect(machine.next(now: t(0.2)) == .claim(limit: 1, polls: 0))
        #expect(machine.claimed([]).isEmpty)
        #expect(machine.state.awaitsFreeSlot, "the claim had no room for polls: some may be due")
        #expect(machine.finished(claim(2)) == nil)
        #expect(machine.next(now: t(0.3)) == .claim(limit: 2, polls: 1))
        #expect(machine.claimed([]).isEmpty)
        #expect(!machine.state.awaitsFreeSlot, "nothing due is left")
        machine.state.shutdownRequested()
        #expect(machine.state.awaitsFreeSlot, "draining waits for every slot")
    }

    @Test("claims fill the room for calls and no more; a finished call makes room for one more")
    func roomForCalls() {
        let machine = machine(maximumConcurrentCalls: 4)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 4, polls: 3))
        #expect(machine.claimed(claims(1...4)) == tasks(claims(1...4)))
        #expect(machine.next(now: t(0)) == .sleep(until: t(1)), "a full claim leaves more due, but there is no room")
        #expect(machine.finished(claim(1)) == nil)
        #expect(machine.next(now: t(0.1)) == .claim(limit: 1, polls: 0))
    }

    @Test("a claim takes at most a claim batch, and a full one is followed by another at once")
    func claimBatches() {
        let machine = machine(maximumConcurrentCalls: 10, claimBatchSize: 3)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 3, polls: 3))
        #expect(machine.claimed(claims(1...3)) == tasks(claims(1...3)))
        #expect(machine.next(now: t(0)) == .claim(limit: 3, polls: 3))
        #expect(machine.claimed(claims(4...4)) == tasks(claims(4...4)))
        #expect(machine.next(now: t(0)) == .sleep(until: t(1)), "a short claim leaves nothing due")
    }

    @Test(
        "deadlines are fired in batches apart from claims: a deadline due fires one, a call due claims, a due time of unknown kind does both"
    )
    func deadlinesApartFromCalls() {
        let machine = machine(maximumConcurrentCalls: 10)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 10, polls: 8))
        #expect(machine.claimed([claim(1)]) == tasks([claim(1)]))
        machine.state.schedule(t(0.1), kind: .deadline, now: t(0))
        #expect(machine.next(now: t(0)) == .sleep(until: t(0.1)))
        #expect(machine.next(now: t(0.1)) == .fireDeadlines(limit: 128))
        #expect(machine.next(now: t(0.1)) == .sleep(until: t(1)), "no call is due: nothing is claimed")
        machine.state.schedule(t(0.2), kind: .call, now: t(0.1))
        #expect(machine.next(now: t(0.2)) == .claim(limit: 8, polls: 6), "a call and a deadline batch in flight take a slot each")
        #expect(machine.claimed([]).isEmpty)
        machine.state.schedule(t(0.3), kind: nil, now: t(0.2))
        #expect(machine.next(now: t(0.3)) == .fireDeadlines(limit: 128))
        #expect(machine.next(now: t(0.3)) == .claim(limit: 7, polls: 5))
    }

    @Test("a loop whose calls wait for room still wakes when the next deadline falls due")
    func deadlinesDoNotWaitForRoom() {
        let machine = machine(maximumConcurrentCalls: 1)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 1, polls: 1))
        #expect(machine.claimed([claim(1)]) == tasks([claim(1)]))
        machine.state.schedule(t(0.2), kind: .deadline, now: t(0))
        #expect(machine.next(now: t(0)) == .sleep(until: t(0.2)), "a full claim leaves calls waiting, but not the deadline")
        #expect(machine.next(now: t(0.2)) == .fireDeadlines(limit: 128))
    }

    @Test("at most three deadline batches run; calls are claimed meanwhile, and a full batch is followed by another")
    func deadlineBatches() {
        let machine = machine(maximumConcurrentCalls: 10)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 10, polls: 8))
        #expect(machine.claimed([]).isEmpty)
        for step in 1...3 {
            machine.state.schedule(t(0.1 * Double(step)), kind: .deadline, now: t(0))
            #expect(machine.next(now: t(0.1 * Double(step))) == .fireDeadlines(limit: 128))
        }
        machine.state.schedule(t(0.4), kind: .deadline, now: t(0))
        #expect(machine.next(now: t(0.4)) == .sleep(until: t(1)), "three batches run")
        machine.state.schedule(t(0.4), kind: .call, now: t(0.4))
        #expect(machine.next(now: t(0.4)) == .claim(limit: 7, polls: 5), "calls are claimed while three batches run")
        #expect(machine.claimed([]).isEmpty)
        machine.state.deadlinesFired(2, limit: 128)
        #expect(machine.next(now: t(0.5)) == .fireDeadlines(limit: 128), "the deadline left is fired once a batch ends")
        machine.state.deadlinesFired(128, limit: 128)
        #expect(machine.next(now: t(0.5)) == .fireDeadlines(limit: 128), "a full batch leaves more due")
        machine.state.deadlinesFired(5, limit: 128)
        #expect(machine.next(now: t(0.5)) == .sleep(until: t(1)), "a short batch leaves none due")
    }

    @Test("a backlog of deadlines keeps every batch slot busy: full batches that end together are each followed by another")
    func deadlineBacklogFillsEverySlot() {
        let machine = machine(maximumConcurrentCalls: 10)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 10, polls: 8))
        #expect(machine.claimed([]).isEmpty)
        machine.state.schedule(t(0.1), kind: .deadline, now: t(0))
        #expect(machine.next(now: t(0.1)) == .fireDeadlines(limit: 128))
        machine.state.deadlinesFired(128, limit: 128)
        for _ in 1...3 {
            #expect(machine.next(now: t(0.2)) == .fireDeadlines(limit: 128), "a full batch: every slot starts one")
        }
        #expect(machine.next(now: t(0.2)) == .sleep(until: t(1)), "three batches run")
        machine.state.deadlinesFired(128, limit: 128)
        machine.state.deadlinesFired(128, limit: 128)
        #expect(machine.next(now: t(0.3)) == .fireDeadlines(limit: 128))
        #expect(machine.next(now: t(0.3)) == .fireDeadlines(limit: 128), "two full batches that ended together are both replaced")
        #expect(machine.next(now: t(0.3)) == .sleep(until: t(1)))
        machine.state.deadlinesFired(7, limit: 128)
        #expect(machine.next(now: t(0.4)) == .sleep(until: t(1)), "a short batch ends the backlog")
    }

    @Test("a slot reserved for a follow-up counts as a call; a write completing a claim hands its own slot on")
    func reservedFollowUpSlots() throws {
        let machine = machine(maximumConcurrentCalls: 2)
        started(machine)
        let first = try #require(machine.reserveFollowUpSlot(completingClaim: false))
        #expect(first == .reserved)
        #expect(machine.reserveFollowUpSlot(completingClaim: false) == .reserved)
        #expect(machine.reserveFollowUpSlot(completingClaim: false) == nil, "both slots are promised")
        #expect(machine.reserveFollowUpSlot(completingClaim: true) == .handedOn)
        #expect(machine.next(now: t(0)) == .sleep(until: t(1)), "no room for calls")
        machine.state.releaseFollowUpSlot(first)
        machine.state.releaseFollowUpSlot(.handedOn)
        #expect(machine.next(now: t(0.1)) == .claim(limit: 1, polls: 1))
    }

    @Test("follow-ups are leased only while the loop runs and takes on work")
    func followUpsOnlyWhileRunning() {
        let machine = machine()
        #expect(machine.reserveFollowUpSlot(completingClaim: true) == nil, "the loop has not started")
        started(machine)
        #expect(machine.reserveFollowUpSlot(completingClaim: false) == .reserved)
        machine.state.shutdownRequested()
        #expect(machine.reserveFollowUpSlot(completingClaim: true) == nil)
        #expect(machine.reserveFollowUpSlot(completingClaim: false) == nil)
    }

    @Test("leased follow-ups start at the loop's next step with their attempt, and take call slots")
    func followUpsStart() throws {
        let machine = machine(maximumConcurrentCalls: 2)
        started(machine)
        let attempt = AttemptMachine().submit(try Fixture.submission(), now: t(0)).attempt
        let followUp = claim(1, .call(.createSession))
        #expect(machine.followUpsLeased([followUp], of: attempt))
        #expect(machine.next(now: t(0)) == .start([ReadyTask(claim: followUp, attempt: attempt)]))
        #expect(machine.next(now: t(0)) == .claim(limit: 1, polls: 1))
    }

    @Test("a running task's transition hands its follow-up to that task, which runs it in its slot without the loop")
    func followUpHandedToItsTask() throws {
        let machine = machine(maximumConcurrentCalls: 4)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 4, polls: 3))
        let session = claim(1, .call(.createSession))
        #expect(machine.claimed([session]) == tasks([session]))
        machine.state.started(session)
        let attempt = AttemptMachine().submit(try Fixture.submission(), now: t(0)).attempt
        let pay = claim(1, .call(.pay), fence: 2)
        #expect(!machine.followUpsLeased([pay], of: attempt, completing: session), "nothing for the loop to start")
        machine.state.schedule(t(0), kind: .call, now: t(0))
        #expect(machine.next(now: t(0)) == .claim(limit: 3, polls: 2), "the follow-up holds the slot of the task it took the place of")
        #expect(machine.claimed([]).isEmpty)
        #expect(machine.finished(session) == ReadyTask(claim: pay, attempt: attempt))
        #expect(machine.state.claimsInFlight == [pay])
        machine.state.started(pay)
        #expect(machine.finished(pay) == nil, "its transition leased nothing")
        #expect(machine.state.claimsInFlight.isEmpty)
    }

    @Test("only a task started here takes its follow-up, and only the first: the loop starts the rest")
    func followUpsForTheLoop() throws {
        let machine = machine()
        started(machine)
        let attempt = AttemptMachine().submit(try Fixture.submission(), now: t(0)).attempt
        let fetch = claim(1, .fetch(.webhook))
        let call = claim(1, .call(.pay))
        #expect(machine.followUpsLeased([fetch], of: attempt, completing: claim(1, .call(.createSession))), "a claim no task runs here")
        #expect(machine.next(now: t(0)) == .start([ReadyTask(claim: fetch, attempt: attempt)]))
        machine.state.started(fetch)
        #expect(machine.followUpsLeased([call, claim(2)], of: attempt, completing: fetch))
        #expect(machine.next(now: t(0)) == .start([ReadyTask(claim: claim(2), attempt: attempt)]))
        #expect(machine.finished(fetch) == ReadyTask(claim: call, attempt: attempt))
    }

    @Test("a follow-up handed to a task that ends after a shutdown request is given back with the loop's")
    func handedFollowUpGivenBackOnShutdown() throws {
        let machine = machine()
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 32, polls: 24))
        let session = claim(1, .call(.createSession))
        #expect(machine.claimed([session]) == tasks([session]))
        machine.state.started(session)
        let pay = claim(1, .call(.pay), fence: 2)
        #expect(!machine.followUpsLeased([pay], of: AttemptMachine().submit(try Fixture.submission(), now: t(0)).attempt, completing: session))
        machine.state.shutdownRequested()
        #expect(machine.finished(session) == nil)
        #expect(machine.nextDrainStep() == .wait(releasing: [pay]))
        #expect(machine.nextDrainStep() == .finished)
    }

    @Test("a follow-up its cancelled task does not take goes to the loop, and is given back when draining")
    func followUpNotTakenGoesToTheLoop() throws {
        let machine = machine()
        started(machine)
        let session = claim(1, .call(.createSession))
        machine.state.started(session)
        let attempt = AttemptMachine().submit(try Fixture.submission(), now: t(0)).attempt
        let pay = claim(1, .call(.pay), fence: 2)
        #expect(!machine.followUpsLeased([pay], of: attempt, completing: session))
        #expect(machine.finished(session, takingFollowUp: false) == nil)
        machine.state.shutdownRequested()
        #expect(machine.nextDrainStep() == .wait(releasing: [pay]))
        #expect(machine.nextDrainStep() == .finished, "nothing is left in flight")
    }

    @Test("a follow-up that took its own task's place stays in flight when the task it replaced finishes")
    func followUpTakesItsTasksPlace() throws {
        let machine = machine()
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 32, polls: 24))
        let fetch = claim(1, .fetch(.poll), fence: 1)
        _ = machine.claimed([fetch])
        let followUp = claim(1, .fetch(.poll), fence: 2)
        #expect(machine.followUpsLeased([followUp], of: AttemptMachine().submit(try Fixture.submission(), now: t(0)).attempt))
        #expect(machine.finished(fetch) == nil)
        #expect(machine.state.claimsInFlight == [followUp])

        var stale = fetch
        stale.leaseExpiresAt = t(40)
        machine.state.leasesExtended([stale])
        #expect(machine.state.claimsInFlight == [followUp], "an extension of the replaced claim changes nothing")
        var extended = followUp
        extended.leaseExpiresAt = t(40)
        machine.state.leasesExtended([extended])
        #expect(machine.state.claimsInFlight == [extended])
    }

    @Test("the poll budget limits the polls claimed, and the loop wakes when the next token is there")
    func pollBudget() {
        let machine = machine(maximumConcurrentCalls: 10, pollBudget: 2)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 10, polls: 2))
        #expect(machine.claimed(claims(1...2, .fetch(.poll))) == tasks(claims(1...2, .fetch(.poll))))
        #expect(machine.next(now: t(0)) == .sleep(until: t(0.5)), "two tokens a second: the next one in half a second")
        #expect(machine.next(now: t(0.5)) == .claim(limit: 8, polls: 1))
    }

    @Test("polls held back by a large budget are claimed in groups of what 250 ms of it earns, not one per token")
    func pollGroups() {
        let machine = machine(maximumConcurrentCalls: 400, pollBudget: 200)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 128, polls: 128))
        #expect(machine.claimed(claims(1...128, .fetch(.poll))) == tasks(claims(1...128, .fetch(.poll))))
        #expect(machine.next(now: t(0)) == .claim(limit: 128, polls: 72), "the rest of the bucket")
        #expect(machine.claimed(claims(129...200, .fetch(.poll))) == tasks(claims(129...200, .fetch(.poll))))
        #expect(machine.next(now: t(0)) == .sleep(until: t(0.25)), "200 tokens a second: 50 in 250 ms")
        #expect(machine.next(now: t(0.25)) == .claim(limit: 128, polls: 50))
    }

    @Test("polls held back by the budget wait for their group when the loop wakes early for a call")
    func pollGroupsAcrossEarlyWakeUps() {
        let machine = machine(maximumConcurrentCalls: 400, pollBudget: 200)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 128, polls: 128))
        #expect(machine.claimed(claims(1...128, .fetch(.poll))) == tasks(claims(1...128, .fetch(.poll))))
        #expect(machine.next(now: t(0)) == .claim(limit: 128, polls: 72))
        #expect(machine.claimed(claims(129...200, .fetch(.poll))) == tasks(claims(129...200, .fetch(.poll))))
        #expect(machine.next(now: t(0)) == .sleep(until: t(0.25)))
        #expect(machine.finished(claim(1, .fetch(.poll))) == nil)
        #expect(machine.next(now: t(0.02)) == .sleep(until: t(0.25)), "a freed slot claims no poll with 4 tokens")
        machine.state.schedule(t(0.025), kind: .call, now: t(0.02))
        #expect(machine.next(now: t(0.025)) == .claim(limit: 128, polls: 0), "a call falling due is claimed without the polls")
        #expect(machine.claimed([claim(300)]) == tasks([claim(300)]))
        #expect(machine.next(now: t(0.03)) == .sleep(until: t(0.25)))
        #expect(machine.next(now: t(0.25)) == .claim(limit: 128, polls: 50), "the group's 50 tokens, none of them spent on the call's claim")
    }

    @Test("polls leave a quarter of the call slots free: a webhook's fetch falling due while polls hold the rest is claimed at once")
    func pollsLeaveSlotsForCalls() {
        let machine = machine(maximumConcurrentCalls: 8, pollBudget: 100)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 8, polls: 6))
        #expect(machine.claimed(claims(1...6, .fetch(.poll))) == tasks(claims(1...6, .fetch(.poll))))
        #expect(machine.next(now: t(0)) == .sleep(until: t(1)), "more polls are due, but the two free slots are kept from them")
        machine.state.schedule(t(0.01), kind: .fetch, now: t(0))
        #expect(machine.next(now: t(0.01)) == .claim(limit: 2, polls: 0), "the fetch takes a kept slot")
        #expect(machine.claimed([claim(7, .fetch(.webhook))]) == tasks([claim(7, .fetch(.webhook))]))
        #expect(machine.finished(claim(1, .fetch(.poll))) == nil)
        #expect(machine.finished(claim(2, .fetch(.poll))) == nil)
        #expect(machine.next(now: t(0.02)) == .claim(limit: 3, polls: 1), "polls take only the slots beyond the two kept")
    }

    @Test("polls waiting for the budget do not wake the loop while every call slot is taken")
    func pollGroupWaitsForRoom() throws {
        let machine = machine(maximumConcurrentCalls: 3, pollBudget: 2)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 3, polls: 2))
        #expect(machine.claimed(claims(1...2, .fetch(.poll))) == tasks(claims(1...2, .fetch(.poll))))
        let attempt = AttemptMachine().submit(try Fixture.submission(), now: t(0)).attempt
        #expect(machine.followUpsLeased([claim(3)], of: attempt))
        #expect(machine.next(now: t(0)) == .start([ReadyTask(claim: claim(3), attempt: attempt)]))
        #expect(machine.next(now: t(0)) == .sleep(until: t(1)), "no room: the next sweep, not the next token")
        #expect(machine.next(now: t(0.6)) == .sleep(until: t(1)), "a token is there, a slot is not: no spinning")
        #expect(machine.finished(claim(1, .fetch(.poll))) == nil)
        #expect(machine.next(now: t(0.7)) == .claim(limit: 1, polls: 1))
    }

    @Test("a poll in flight is known by its attempt; a webhook's fetch or a call is not a poll")
    func pollsInFlight() {
        let machine = machine()
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 32, polls: 24))
        let claims = [claim(1, .fetch(.poll)), claim(2, .fetch(.webhook)), claim(3)]
        #expect(machine.claimed(claims) == tasks(claims))
        #expect(machine.state.pollInFlight(of: claim(1).attemptID))
        #expect(!machine.state.pollInFlight(of: claim(2).attemptID) && !machine.state.pollInFlight(of: claim(3).attemptID))
        #expect(machine.finished(claim(1, .fetch(.poll))) == nil)
        #expect(!machine.state.pollInFlight(of: claim(1).attemptID))
    }

    @Test("polls the claim did not use, and those of a failed claim, go back to the budget")
    func unusedPollsGoBack() {
        let machine = machine(maximumConcurrentCalls: 10, pollBudget: 2)
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 10, polls: 2))
        machine.state.claimFailed()
        machine.state.schedule(t(0), kind: .call, now: t(0))
        #expect(machine.next(now: t(0)) == .claim(limit: 10, polls: 2))
        #expect(machine.claimed([claim(1, .fetch(.gracePoll))]) == tasks([claim(1, .fetch(.gracePoll))]))
        #expect(machine.next(now: t(0)) == .sleep(until: t(1)), "fewer polls were due than allowed: no wait for the budget")
        machine.state.schedule(t(0), kind: .call, now: t(0))
        #expect(machine.next(now: t(0)) == .claim(limit: 9, polls: 1))
    }

    @Test("the loop sleeps until the earliest due time on the heap, and claims when it falls due")
    func timerHeap() {
        let machine = machine(sweepInterval: .seconds(10))
        machine.state.runStarted()
        #expect(machine.next(now: t(0)) == .sweep(recoverLeases: true))
        machine.state.swept(due(t(0.7), t(0.3)), loadedUntil: t(2), now: t(0))
        firesNoDeadlines(machine, now: t(0))
        #expect(machine.next(now: t(0)) == .claim(limit: 32, polls: 24))
        #expect(machine.claimed([]).isEmpty)
        #expect(machine.next(now: t(0)) == .sleep(until: t(0.3)))
        #expect(machine.next(now: t(0.3)) == .claim(limit: 32, polls: 24))
        #expect(machine.claimed([]).isEmpty)
        #expect(machine.next(now: t(0.3)) == .sleep(until: t(0.7)))
        #expect(machine.schedule(t(0.5), kind: .call, now: t(0.3)), "due before the next sweep: wake the loop")
        #expect(machine.next(now: t(0.3)) == .sleep(until: t(0.5)))
        #expect(!machine.schedule(t(20), kind: .call, now: t(0.3)), "the sweep before it will do")
    }

    @Test("a sweep loads only the due times beyond those it loaded, unless the store asked for a resync")
    func sweepLoadsNewDueTimes() {
        let machine = machine(sweepInterval: .seconds(10))
        machine.state.runStarted()
        #expect(machine.next(now: t(0)) == .sweep(recoverLeases: true))
        machine.state.swept(due(t(5)), loadedUntil: t(12), now: t(0))
        firesNoDeadlines(machine, now: t(0))
        #expect(machine.next(now: t(0)) == .claim(limit: 32, polls: 24))
        #expect(machine.claimed([]).isEmpty)
        #expect(machine.next(now: t(0)) == .sleep(until: t(5)))
        #expect(machine.next(now: t(10)) == .sweep(recoverLeases: false))
        machine.state.swept(due(t(11), t(14)), loadedUntil: t(22), now: t(10))
        firesNoDeadlines(machine, now: t(10))
        #expect(machine.next(now: t(10)) == .claim(limit: 32, polls: 24))
        #expect(machine.claimed([]).isEmpty)
        #expect(machine.next(now: t(10)) == .sleep(until: t(14)), "t(11) lies within what the first sweep loaded")
        machine.state.resync()
        #expect(machine.next(now: t(20)) == .sweep(recoverLeases: false))
        machine.state.swept(due(t(21)), loadedUntil: t(32), now: t(20))
        firesNoDeadlines(machine, now: t(20))
        #expect(machine.next(now: t(20)) == .claim(limit: 32, polls: 24))
        #expect(machine.claimed([]).isEmpty)
        #expect(machine.next(now: t(20)) == .sleep(until: t(21)), "after a resync every due time is loaded")
    }

    @Test("nothing is claimed or started once a shutdown is requested")
    func nothingAfterShutdown() throws {
        let machine = machine()
        started(machine)
        #expect(machine.followUpsLeased([claim(1)], of: AttemptMachine().submit(try Fixture.submission(), now: t(0)).attempt))
        machine.state.schedule(t(0), kind: .call, now: t(0))
        machine.state.shutdownRequested()
        #expect(machine.next(now: t(0)) == .drain)
        #expect(machine.next(now: t(5)) == .drain, "not even at the next sweep")
    }

    @Test("draining gives back the follow-ups not started and waits until no task is in flight")
    func drain() throws {
        let machine = machine()
        started(machine)
        #expect(machine.next(now: t(0)) == .claim(limit: 32, polls: 24))
        _ = machine.claimed([claim(1)])
        machine.state.schedule(t(0), kind: .deadline, now: t(0))
        #expect(machine.next(now: t(0)) == .fireDeadlines(limit: 128))
        let followUp = claim(4, .fetch(.poll))
        #expect(machine.followUpsLeased([followUp], of: AttemptMachine().submit(try Fixture.submission(number: 4), now: t(0)).attempt))
        machine.state.shutdownRequested()
        #expect(machine.next(now: t(0)) == .drain)
        #expect(machine.nextDrainStep() == .wait(releasing: [followUp]))
        #expect(machine.nextDrainStep() == .wait(releasing: []), "a call and a deadline batch are in flight")
        #expect(machine.finished(claim(1)) == nil)
        #expect(machine.nextDrainStep() == .wait(releasing: []), "the deadline batch is in flight")
        machine.state.deadlinesFired(0, limit: 128)
        #expect(machine.nextDrainStep() == .finished)
    }
}

extension SchedulerStateMachineTests {
    /// A scheduler state machine behind a reference, so that `#expect` can feed it an event and
    /// compare what it returns (the macro cannot call a mutating member of a local value).
    final class Machine {
        /// The machine under test.
        var state: SchedulerStateMachine

        init(_ state: SchedulerStateMachine) {
            self.state = state
        }

        func next(now: Date) -> SchedulerStateMachine.Action {
            state.next(now: now)
        }

        /// The store answered the pending claim with `claims`, their attempts not read.
        func claimed(_ claims: [TaskClaim]) -> [ReadyTask] {
            state.claimed(claims.map { ReadyTask(claim: $0) })
        }

        func schedule(_ dueAt: Date, kind: TaskKind?, now: Date) -> Bool {
            state.schedule(dueAt, kind: kind, now: now)
        }

        func reserveFollowUpSlot(completingClaim: Bool) -> SchedulerStateMachine.FollowUpSlot? {
            state.reserveFollowUpSlot(completingClaim: completingClaim)
        }

        func nextDrainStep() -> SchedulerStateMachine.DrainStep {
            state.nextDrainStep()
        }

        func followUpsLeased(_ claims: [TaskClaim], of attempt: Attempt, completing completed: TaskClaim? = nil) -> Bool {
            state.followUpsLeased(claims, of: attempt, completing: completed)
        }

        func finished(_ claim: TaskClaim, takingFollowUp: Bool = true) -> ReadyTask? {
            state.finished(claim, takingFollowUp: takingFollowUp)
        }
    }
}
