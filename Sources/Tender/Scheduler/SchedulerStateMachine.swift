import Foundation

/// The scheduler's bookkeeping: the call slots, the timer heap, the poll budget, the deadline
/// batches and the leased follow-ups. It takes events and returns what the engine is to do; it
/// does no I/O and reads no clock (the time is passed in), so it is tested without a store.
///
/// The engine's loop asks ``next(now:)`` for an ``Action``, performs it and reports how it went
/// (``swept(_:loadedUntil:now:)``, ``claimed(_:)``, ``claimFailed()``); the engine's other tasks
/// report what they see (calls finished, deadlines fired, follow-ups leased, store notices, a
/// shutdown).
struct SchedulerStateMachine {
    /// The most deadline batches running at once; each is one transaction that claims the due
    /// deadlines and fires them.
    static let maximumDeadlineBatches = 3

    /// Polls held back by the budget are claimed in groups of what it earns in this span (at
    /// least one poll), so that they share claims and their answers share writes rather than
    /// each taking a transaction as its token comes in. A poll held back waits up to this much
    /// longer than the budget alone would have it wait.
    static let pollGroupSpan: Duration = .milliseconds(250)

    /// How often a sweep recovers lapsed leases: every this many sweeps, starting with the first.
    static let sweepsPerLeaseRecovery = 5

    private let maximumConcurrentCalls: Int
    /// Call slots polls leave free, a quarter of them: for the calls a payer or a webhook waits on
    /// (a session, a pay, a webhook's fetch). Polls falling due together would otherwise take
    /// every slot until their answers are written, or for as long as a slow gateway keeps them.
    private let slotsKeptFromPolls: Int
    private let claimBatchSize: Int
    private let sweepInterval: Duration
    private var pollBudget: RequestBudget
    /// Whether the last claim may have left due polls behind: the poll budget, or the slots polls
    /// may take, limited it.
    private var pollsMayWait = false
    private var timer = TaskTimer()
    /// The claims being run, by task.
    private var inFlight: [TaskKey: TaskClaim] = [:]
    /// Deadline batches running.
    private var deadlineBatches = 0
    /// How far ahead the timer heap holds the store's due times.
    private var loadedUntil = Date.distantPast
    /// Follow-ups leased by transitions this engine applied, waiting for the loop to start them.
    private var readyFollowUps: [ReadyTask] = []
    /// The tasks running here that run the follow-up their own transition leases when they end,
    /// in place of the loop (``started(_:)``), by task.
    private var runners: [TaskKey: Runner] = [:]
    /// Call slots promised to store writes in progress that may lease follow-ups.
    private var reservedCalls = 0
    /// The claim asked for by the last ``Action/claim(limit:polls:)``, until its answer.
    private var pendingClaim: (limit: Int, polls: Int)?
    /// When the loop sweeps the store next; the distant future while a sweep runs.
    private var nextSweep = Date.distantPast
    /// Sweeps done since the loop started.
    private var sweeps = 0
    /// Whether due tasks that make gateway calls may be waiting to be claimed.
    private var callsMayWait = false
    /// Whether due deadlines may be waiting to be claimed: worth one more batch.
    private var deadlinesMayWait = false
    /// Whether the last deadline batch to end was full: a backlog of due deadlines, worth every
    /// batch slot until a batch comes back short.
    private var deadlineBacklog = false
    /// Whether the engine's loop is firing tasks; only then are follow-ups leased to this engine.
    private(set) var isRunning = false
    /// Whether the engine still takes on work: false once a shutdown was requested.
    private(set) var isAccepting = true

    /// Creates the bookkeeping of an engine with `configuration`, its poll budget full at `now`.
    init(configuration: EngineConfiguration, now: Date) {
        maximumConcurrentCalls = configuration.maximumConcurrentCalls
        slotsKeptFromPolls = configuration.maximumConcurrentCalls / 4
        claimBatchSize = configuration.claimBatchSize
        sweepInterval = configuration.sweepInterval
        pollBudget = RequestBudget(rate: configuration.pollBudget, burst: max(1, Int(configuration.pollBudget)), now: now)
    }

    // MARK: The loop

    /// The loop started: it sweeps at once, and follow-ups may be leased to it.
    mutating func runStarted() {
        isRunning = true
        nextSweep = .distantPast
        sweeps = 0
        setBacklog(false)
        deadlineBacklog = false
    }

    /// The loop ended.
    mutating func runEnded() {
        isRunning = false
    }

    /// What the loop does next at `now`: start the ready follow-ups, sweep when a sweep is due,
    /// fire due deadlines while a deadline batch may start, claim due tasks while there is room
    /// for calls (for polls, room beyond the slots kept from them), else sleep until the earliest
    /// due time, the next sweep or the next group of poll tokens; drain once a shutdown was
    /// requested. Deadlines make no call, so they are fired whatever the room for calls.
    mutating func next(now: Date) -> Action {
        guard isAccepting else { return .drain }
        if !readyFollowUps.isEmpty {
            defer { readyFollowUps.removeAll() }
            return .start(readyFollowUps)
        }
        if now >= nextSweep {
            nextSweep = .distantFuture
            return .sweep(recoverLeases: sweeps % Self.sweepsPerLeaseRecovery == 0)
        }
        let popped = timer.popDue(now: now)
        callsMayWait = callsMayWait || popped.calls
        deadlinesMayWait = deadlinesMayWait || popped.deadlines
        if deadlinesMayWait || deadlineBacklog, deadlineBatches < Self.maximumDeadlineBatches {
            deadlinesMayWait = false
            deadlineBatches += 1
            return .fireDeadlines(limit: claimBatchSize)
        }
        let limit = room
        let pollLimit = pollRoom
        // Polls held back by the budget wait for a group's worth of tokens, whatever else wakes
        // the loop meanwhile: a call falling due is claimed without them.
        let pollGroupReady = !pollsMayWait || pollBudget.hasTokens(earnedIn: Self.pollGroupSpan, at: now)
        if (callsMayWait || (pollsMayWait && pollGroupReady && pollLimit > 0)) && limit > 0 {
            let polls = pollGroupReady ? pollBudget.take(upTo: pollLimit, now: now) : 0
            pendingClaim = (limit, polls)
            return .claim(limit: limit, polls: polls)
        }
        var wakeAt = nextSweep
        if !callsMayWait, let nextCall = timer.nextCall {
            wakeAt = min(wakeAt, nextCall)
        }
        if !deadlinesMayWait, !deadlineBacklog, let nextDeadline = timer.nextDeadline {
            wakeAt = min(wakeAt, nextDeadline)
        }
        if pollsMayWait && pollLimit > 0 {
            // Without room the group waits for a slot, and a finished task wakes the loop.
            wakeAt = min(wakeAt, pollBudget.time(ofTokensEarnedIn: Self.pollGroupSpan))
        }
        return .sleep(until: wakeAt)
    }

    /// A sweep loaded the due times of the store's tasks up to `horizon`; the heap takes those
    /// it did not know. The next sweep is due a sweep interval after `now`.
    mutating func swept(_ tasks: [ScheduledTask], loadedUntil horizon: Date, now: Date) {
        for task in tasks where task.dueAt > loadedUntil {
            timer.schedule(task.dueAt, kind: task.kind)
        }
        loadedUntil = horizon
        sweepEnded(now: now)
    }

    /// A sweep failed; the next one is due a sweep interval after `now`.
    mutating func sweepFailed(now: Date) {
        sweepEnded(now: now)
    }

    /// After any sweep, whether it loaded anything or not, due tasks may be waiting.
    private mutating func sweepEnded(now: Date) {
        sweeps += 1
        nextSweep = now + sweepInterval
        setBacklog(true)
    }

    /// Notes that due tasks of every kind may, or may not, be waiting.
    private mutating func setBacklog(_ mayWait: Bool) {
        callsMayWait = mayWait
        deadlinesMayWait = mayWait
    }

    /// The store answered the pending claim: the polls it did not use go back to the budget, and
    /// the claims are in flight. Returns them to start. A full claim may leave more due.
    mutating func claimed(_ claims: [ReadyTask]) -> [ReadyTask] {
        guard let pending = pendingClaim else { preconditionFailure("claims answered without a claim asked for") }
        pendingClaim = nil
        let claimedPolls = claims.count(where: \.claim.purpose.isBudgeted)
        pollBudget.giveBack(pending.polls - claimedPolls)
        pollsMayWait = claimedPolls == pending.polls && claims.count < pending.limit
        callsMayWait = claims.count == pending.limit
        for task in claims {
            inFlight[TaskKey(task.claim)] = task.claim
        }
        return claims
    }

    /// The pending claim failed: its polls go back to the budget, and the loop claims again when
    /// woken or at the next sweep.
    mutating func claimFailed() {
        guard let pending = pendingClaim else { preconditionFailure("a claim failed that was not asked for") }
        pendingClaim = nil
        pollBudget.giveBack(pending.polls)
        callsMayWait = false
    }

    /// A deadline batch asked for by ``Action/fireDeadlines(limit:)`` fired `count` deadlines and
    /// ended; its slot is free. A full batch says a backlog is due: every free slot starts a
    /// batch until one comes back short. (A flag set per full batch would start one batch for
    /// several that ended together, and the slots would go unused while the backlog lasts.)
    mutating func deadlinesFired(_ count: Int, limit: Int) {
        deadlineBatches -= 1
        deadlineBacklog = count == limit
    }

    // MARK: Room for calls

    /// Gateway calls in flight.
    private var callsInFlight: Int { inFlight.count }

    /// Call slots free now. A deadline batch counts as one call, and so does a slot reserved for a
    /// follow-up.
    private var freeSlots: Int {
        max(0, maximumConcurrentCalls - callsInFlight - deadlineBatches - reservedCalls)
    }

    /// Whether a call slot freed now gives the loop something to do: due tasks may be waiting for
    /// room, follow-ups wait to be started, or it drains. A task that ends wakes the loop only then.
    var awaitsFreeSlot: Bool {
        callsMayWait || pollsMayWait || !readyFollowUps.isEmpty || !isAccepting
    }

    /// How many tasks that make gateway calls the loop may claim now: the room for calls, up to a
    /// claim batch.
    private var room: Int {
        min(freeSlots, claimBatchSize)
    }

    /// How many of them may be polls: the room beyond the slots kept from polls.
    private var pollRoom: Int {
        min(max(0, freeSlots - slotsKeptFromPolls), claimBatchSize)
    }

    // MARK: The timer heap

    /// Puts the due time of a task of `kind` (`nil` for unknown) on the timer heap. Returns
    /// whether it falls due before the next sweep would notice it, so the loop should wake.
    @discardableResult
    mutating func schedule(_ dueAt: Date, kind: TaskKind?, now: Date) -> Bool {
        timer.schedule(dueAt, kind: kind)
        return dueAt <= now + sweepInterval
    }

    /// The store's notices may have been missed: the next sweep loads every due time again.
    mutating func resync() {
        loadedUntil = .distantPast
    }

    // MARK: Follow-ups

    /// Decides whether a store write may lease the follow-ups it makes due: only while the loop
    /// runs and takes on work, and only with a call slot for them. A write completing a claimed
    /// task hands that task's slot on; any other reserves a free slot until
    /// ``releaseFollowUpSlot(_:)``, so concurrent writes never lease more than there is room for.
    /// - Returns: the slot the follow-ups take, or nil when the write must lease nothing.
    mutating func reserveFollowUpSlot(completingClaim: Bool) -> FollowUpSlot? {
        guard isRunning, isAccepting else { return nil }
        if completingClaim {
            return .handedOn
        }
        guard callsInFlight + reservedCalls < maximumConcurrentCalls else { return nil }
        reservedCalls += 1
        return .reserved
    }

    /// The write that took `slot` ended; a reserved slot is free again.
    mutating func releaseFollowUpSlot(_ slot: FollowUpSlot) {
        if slot == .reserved {
            reservedCalls -= 1
        }
    }

    /// A write leased follow-ups of `attempt` to this engine: they are in flight. The first is
    /// handed to the task whose claim the write completed, when that task runs here
    /// (``started(_:)``) and has none yet; the loop starts the others at its next step.
    /// - Returns: whether the loop has follow-ups to start.
    mutating func followUpsLeased(_ claims: [TaskClaim], of attempt: Attempt, completing completed: TaskClaim? = nil) -> Bool {
        var unhanded = claims[...]
        if let completed, let first = claims.first, let runner = runners[TaskKey(completed)], runner.fence == completed.fence,
            runner.followUp == nil
        {
            runners[TaskKey(completed)]?.followUp = ReadyTask(claim: first, attempt: attempt)
            inFlight[TaskKey(first)] = first
            unhanded = claims.dropFirst()
        }
        for claim in unhanded {
            inFlight[TaskKey(claim)] = claim
            readyFollowUps.append(ReadyTask(claim: claim, attempt: attempt))
        }
        return !unhanded.isEmpty
    }

    // MARK: Claims in flight

    /// The claims being run, for extending their leases.
    var claimsInFlight: [TaskClaim] { Array(inFlight.values) }

    /// The store extended the leases of `held`; each replaces its claim unless a follow-up took
    /// its task's place meanwhile.
    mutating func leasesExtended(_ held: [TaskClaim]) {
        for claim in held where inFlight[TaskKey(claim)]?.fence == claim.fence {
            inFlight[TaskKey(claim)] = claim
        }
    }

    /// Whether a poll of `attemptID` is in flight here: a fetch asked for meanwhile waits for it.
    func pollInFlight(of attemptID: AttemptID) -> Bool {
        inFlight[TaskKey(attemptID: attemptID, kind: .fetch)]?.purpose.isBudgeted == true
    }

    /// A task run on its own started. It runs the follow-up its transition leases when it ends, in
    /// the call slot it holds: the follow-up starts without waking the loop.
    mutating func started(_ claim: TaskClaim) {
        runners[TaskKey(claim)] = Runner(fence: claim.fence)
    }

    /// A task run on its own finished.
    /// - Parameter takingFollowUp: whether the task can run a follow-up now; false once it was cancelled.
    /// - Returns: the follow-up handed to it (``followUpsLeased(_:of:completing:)``), to run next in
    ///   its call slot; nil when the slot is free. A follow-up the task does not take, or takes
    ///   after a shutdown request, goes to the loop, which gives it back when draining
    ///   (``nextDrainStep()``).
    mutating func finished(_ claim: TaskClaim, takingFollowUp: Bool = true) -> ReadyTask? {
        forget(claim)
        guard let runner = runners[TaskKey(claim)], runner.fence == claim.fence else { return nil }
        runners[TaskKey(claim)] = nil
        guard let followUp = runner.followUp else { return nil }
        guard takingFollowUp, isAccepting else {
            readyFollowUps.append(followUp)
            return nil
        }
        return followUp
    }

    /// Forgets a claim, unless its follow-up — the same task, leased again — took its place.
    private mutating func forget(_ claim: TaskClaim) {
        if inFlight[TaskKey(claim)]?.fence == claim.fence {
            inFlight[TaskKey(claim)] = nil
        }
    }

    // MARK: Shutdown

    /// A graceful shutdown was requested: nothing more is claimed or leased, and the loop drains.
    mutating func shutdownRequested() {
        isAccepting = false
    }

    /// The next step of draining: finished when nothing is in flight, else wait, giving back the
    /// follow-ups not started (they are no longer in flight).
    mutating func nextDrainStep() -> DrainStep {
        guard !inFlight.isEmpty || deadlineBatches > 0 else { return .finished }
        let unstarted = readyFollowUps.map(\.claim)
        readyFollowUps.removeAll()
        for claim in unstarted {
            forget(claim)
        }
        return .wait(releasing: unstarted)
    }
}

/// A task running here, by its claim's fence, and the follow-up its transition handed to it.
private struct Runner {
    var fence: Int64
    var followUp: ReadyTask?
}

/// Identifies a task: an attempt has at most one of each kind.
private struct TaskKey: Hashable {
    var attemptID: AttemptID
    var kind: TaskKind

    init(_ claim: TaskClaim) {
        self.init(attemptID: claim.attemptID, kind: claim.kind)
    }

    init(attemptID: AttemptID, kind: TaskKind) {
        self.attemptID = attemptID
        self.kind = kind
    }
}
