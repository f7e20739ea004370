import Foundation

/// The scheduler's bookkeeping: the call slots, the timer heap, the poll budget, the deadline
/// batches and the leased follow-ups. It takes events and returns what the engine is to do; it
/// does no I/O and reads no clock (the time is passed in), so it is tested without a store.
///
/// The engine's loop asks ``next(now:)`` for an ``Action``, performs it and reports how it went
/// (``swept(_:loadedUntil:now:)``, ``claimed(_:)``, ``claimFailed()``); the engine's other tasks
/// report what they see (calls finished, follow-ups leased, store notices, a shutdown).
struct SchedulerStateMachine {
    /// The most deadline batches running at once; each is one transaction.
    static let maximumDeadlineBatches = 3

    /// Polls held back by the budget are claimed in groups of what it earns in this span (at
    /// least one poll), so that they share claims and their answers share writes rather than
    /// each taking a transaction as its token comes in.
    static let pollGroupSpan: Duration = .milliseconds(50)

    /// How often a sweep recovers lapsed leases: every this many sweeps, starting with the first.
    static let sweepsPerLeaseRecovery = 5

    private let maximumConcurrentCalls: Int
    private let claimBatchSize: Int
    private let sweepInterval: Duration
    private var pollBudget: RequestBudget
    /// Whether the poll budget, not the lack of due polls, limited the last claim.
    private var pollsWaitForBudget = false
    private var timer = TaskTimer()
    /// The claims being run, by task.
    private var inFlight: [TaskKey: TaskClaim] = [:]
    /// Deadline claims in ``inFlight``: they run in batches, one transaction each, with no gateway call.
    private var deadlinesInFlight = 0
    /// Deadline batches running.
    private var deadlineBatches = 0
    /// How far ahead the timer heap holds the store's due times.
    private var loadedUntil = Date.distantPast
    /// Follow-ups leased by transitions this engine applied, waiting for the loop to start them.
    private var readyFollowUps: [ReadyTask] = []
    /// Call slots promised to store writes in progress that may lease follow-ups.
    private var reservedCalls = 0
    /// The claim asked for by the last ``Action/claim(limit:polls:deadlines:)``, until its answer.
    private var pendingClaim: (limit: Int, polls: Int, deadlines: Int)?
    /// When the loop sweeps the store next.
    private var nextSweep = Date.distantPast
    /// Sweeps done since the loop started.
    private var sweeps = 0
    /// Whether due tasks that make gateway calls may be waiting to be claimed.
    private var callsMayWait = false
    /// Whether due deadlines may be waiting to be claimed.
    private var deadlinesMayWait = false
    /// Whether the engine's loop is firing tasks; only then are follow-ups leased to this engine.
    private(set) var isRunning = false
    /// Whether the engine still takes on work: false once a shutdown was requested.
    private(set) var isAccepting = true

    /// Creates the bookkeeping of an engine with `configuration`, its poll budget full at `now`.
    init(configuration: EngineConfiguration, now: Date) {
        maximumConcurrentCalls = configuration.maximumConcurrentCalls
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
    }

    /// The loop ended.
    mutating func runEnded() {
        isRunning = false
    }

    /// What the loop does next at `now`: start the ready follow-ups, sweep when a sweep is due,
    /// claim due tasks while there is room, else sleep until the earliest due time, the next
    /// sweep or the next group of poll tokens; drain once a shutdown was requested. Deadlines
    /// make no call, so they are claimed while a deadline batch may start, whatever the room
    /// for calls.
    mutating func next(now: Date) -> Action {
        guard isAccepting else { return .drain }
        if !readyFollowUps.isEmpty {
            defer { readyFollowUps.removeAll() }
            return .start(Work(tasks: readyFollowUps))
        }
        if now >= nextSweep {
            return .sweep(recoverLeases: sweeps % Self.sweepsPerLeaseRecovery == 0)
        }
        if timer.popDue(now: now) {
            setBacklog(true)
        }
        let limit = room
        let deadlines = deadlineRoom
        if callsMayWait && limit > 0 || deadlinesMayWait && deadlines > 0 {
            let polls = pollBudget.take(upTo: limit, now: now)
            pendingClaim = (limit, polls, deadlines)
            return .claim(limit: limit, polls: polls, deadlines: deadlines)
        }
        var wakeAt = callsMayWait || deadlinesMayWait ? nextSweep : min(timer.next ?? nextSweep, nextSweep)
        if pollsWaitForBudget {
            wakeAt = min(wakeAt, pollBudget.time(ofTokensEarnedIn: Self.pollGroupSpan))
            callsMayWait = true
        }
        return .sleep(until: wakeAt)
    }

    /// A sweep loaded the due times of the store's tasks up to `horizon`; the heap takes those
    /// it did not know. The next sweep is due a sweep interval after `now`.
    mutating func swept(_ dueTimes: [Date], loadedUntil horizon: Date, now: Date) {
        for dueAt in dueTimes where dueAt > loadedUntil {
            timer.schedule(dueAt)
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
    /// the claims are in flight. Returns them to start: the deadlines among them as one batch.
    /// A kind that filled its share may have more due; one asked for none stays as it was.
    mutating func claimed(_ claims: [TaskClaim]) -> Work {
        guard let pending = pendingClaim else { preconditionFailure("claims answered without a claim asked for") }
        pendingClaim = nil
        let claimedPolls = claims.count(where: \.purpose.isBudgeted)
        let claimedDeadlines = claims.count(where: { $0.kind == .deadline })
        let claimedCalls = claims.count - claimedDeadlines
        pollBudget.giveBack(pending.polls - claimedPolls)
        pollsWaitForBudget = claimedPolls == pending.polls && claimedCalls < pending.limit
        if pending.limit > 0 {
            callsMayWait = claimedCalls == pending.limit
        }
        if pending.deadlines > 0 {
            deadlinesMayWait = claimedDeadlines == pending.deadlines
        }
        var work = Work()
        for claim in claims {
            inFlight[TaskKey(claim)] = claim
            if claim.kind == .deadline {
                work.deadlineBatch.append(claim)
            } else {
                work.tasks.append(ReadyTask(claim: claim))
            }
        }
        if !work.deadlineBatch.isEmpty {
            deadlinesInFlight += work.deadlineBatch.count
            deadlineBatches += 1
        }
        return work
    }

    /// The pending claim failed: its polls go back to the budget, and the loop claims again when
    /// woken or at the next sweep.
    mutating func claimFailed() {
        guard let pending = pendingClaim else { preconditionFailure("a claim failed that was not asked for") }
        pendingClaim = nil
        pollBudget.giveBack(pending.polls)
        setBacklog(false)
    }

    // MARK: Room for calls

    /// Gateway calls in flight (deadlines make none).
    private var callsInFlight: Int { inFlight.count - deadlinesInFlight }

    /// How many tasks that make gateway calls the loop may claim now: the room for calls, up to a
    /// claim batch. A deadline batch counts as one call, and so does a slot reserved for a follow-up.
    private var room: Int {
        max(0, min(maximumConcurrentCalls - callsInFlight - deadlineBatches - reservedCalls, claimBatchSize))
    }

    /// How many deadlines the loop may claim now: a claim batch, unless the most deadline batches run.
    private var deadlineRoom: Int {
        deadlineBatches < Self.maximumDeadlineBatches ? claimBatchSize : 0
    }

    // MARK: The timer heap

    /// Puts due times on the timer heap. Returns whether one falls due before the next sweep
    /// would notice it, so the loop should wake.
    @discardableResult
    mutating func schedule(_ dueTimes: [Date], now: Date) -> Bool {
        for dueAt in dueTimes {
            timer.schedule(dueAt)
        }
        return dueTimes.contains { $0 <= now + sweepInterval }
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

    /// A write leased follow-ups of `attempt` to this engine: they are in flight, and the loop
    /// starts them at its next step.
    mutating func followUpsLeased(_ claims: [TaskClaim], of attempt: Attempt) {
        for claim in claims {
            inFlight[TaskKey(claim)] = claim
            readyFollowUps.append(ReadyTask(claim: claim, attempt: attempt))
        }
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

    /// A task run on its own finished; its call slot is free.
    mutating func finished(_ claim: TaskClaim) {
        forget(claim)
    }

    /// A deadline batch finished; its slot is free.
    mutating func finished(deadlines claims: [TaskClaim]) {
        for claim in claims {
            forget(claim)
        }
        deadlinesInFlight -= claims.count
        deadlineBatches -= 1
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
        guard !inFlight.isEmpty else { return .finished }
        let unstarted = readyFollowUps.map(\.claim)
        readyFollowUps.removeAll()
        for claim in unstarted {
            forget(claim)
        }
        return .wait(releasing: unstarted)
    }
}

/// Identifies a task: an attempt has at most one of each kind.
private struct TaskKey: Hashable {
    var attemptID: AttemptID
    var kind: TaskKind

    init(_ claim: TaskClaim) {
        attemptID = claim.attemptID
        kind = claim.kind
    }
}
