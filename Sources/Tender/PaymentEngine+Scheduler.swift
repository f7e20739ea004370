import Foundation
import Logging
import Metrics
import ServiceLifecycle

extension PaymentEngine {
    /// Fires scheduled tasks until cancelled or asked to shut down gracefully. On a graceful
    /// shutdown it stops claiming, lets the gateway calls in flight finish and record their
    /// answers, and gives back anything it could not finish.
    public func run() async throws {
        logger.info("engine started", metadata: ["worker_id": "\(configuration.workerID)"])
        await releaseEarlierLeases()
        running = true
        defer { running = false }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.listen() }
            group.addTask { await self.keepLeases() }
            await withGracefulShutdownHandler {
                await self.fireTasks(in: &group)
            } onGracefulShutdown: {
                Task { await self.stopAccepting() }
            }
            group.cancelAll()
        }
        logger.info("engine stopped", metadata: ["worker_id": "\(configuration.workerID)"])
    }

    func stopAccepting() async {
        accepting = false
        await alarm.ring()
    }

    /// The scheduler loop: sleep until the earliest due time or the next sweep, then claim and run
    /// what is due. While claims fill the room for calls, it claims again as calls finish.
    private func fireTasks(in group: inout DiscardingTaskGroup) async {
        var nextSweep = now()
        var sweeps = 0
        var backlog = false
        while accepting, !Task.isCancelled {
            startFollowUps(in: &group)
            if now() >= nextSweep {
                await sweep(recoverLeases: sweeps % 5 == 0)
                sweeps += 1
                nextSweep = now() + configuration.sweepInterval
                backlog = true
            }
            if timer.popDue(now: now()) {
                backlog = true
            }
            if backlog {
                backlog = await claimDue(in: &group)
            }
            if backlog, hasRoom {
                continue
            }
            var wakeAt = backlog ? nextSweep : min(timer.next ?? nextSweep, nextSweep)
            if pollsWaitForBudget {
                wakeAt = min(wakeAt, pollBudget.nextToken)
                backlog = true
            }
            let delay = wakeAt.timeIntervalSince(now())
            if delay > 0 {
                await alarm.sleep(for: .microseconds(Int64(delay * 1_000_000)))
            }
        }
        await drain()
    }

    /// Starts the follow-ups that transitions leased to this engine.
    private func startFollowUps(in group: inout DiscardingTaskGroup) {
        let ready = readyFollowUps
        readyFollowUps.removeAll()
        for task in ready {
            recordLateness(of: task.claim, firedAt: now())
            group.addTask { await self.execute(task.claim, attempt: task.attempt) }
        }
    }

    private func recordLateness(of claim: TaskClaim, firedAt: Date) {
        Timer(label: "tender_task_lateness_seconds", dimensions: [("kind", claim.kind.rawValue)])
            .recordNanoseconds(Int64(max(0, firedAt.timeIntervalSince(claim.dueAt)) * 1e9))
    }

    /// Loads the near-future due times the heap does not know and recovers lapsed leases.
    private func sweep(recoverLeases: Bool) async {
        do {
            if recoverLeases {
                let recovered = try await store.recoverLapsedLeases(now: now())
                if recovered > 0 {
                    logger.notice("recovered lapsed task leases", metadata: ["count": "\(recovered)"])
                }
            }
            let horizon = now() + configuration.lookahead
            for task in try await store.upcomingTasks(dueBy: horizon, limit: 10_000) where task.dueAt > loadedUntil {
                timer.schedule(task.dueAt)
            }
            loadedUntil = horizon
            outage.succeeded(at: now(), logger: logger)
        } catch {
            outage.failed("sweep", error: error, at: now(), logger: logger)
        }
    }

    /// The most deadline batches running at once; each is one transaction.
    static let maximumDeadlineBatches = 3

    /// Gateway calls in flight (deadlines make none).
    var callsInFlight: Int { inFlight.count - deadlinesInFlight }

    /// Whether more tasks may be claimed: a deadline batch counts as one call, and so does a slot
    /// reserved for a follow-up.
    private var hasRoom: Bool {
        deadlineBatches < Self.maximumDeadlineBatches
            && callsInFlight + deadlineBatches + reservedCalls < configuration.maximumConcurrentCalls
    }

    /// Claims due tasks up to the room for more gateway calls, polls only as far as the poll budget
    /// allows, and runs each in the group; the deadlines among them run together, as one batch.
    /// Returns whether more may be due (the claim was as large as allowed, or there was no room).
    private func claimDue(in group: inout DiscardingTaskGroup) async -> Bool {
        let limit = min(configuration.maximumConcurrentCalls - callsInFlight - deadlineBatches - reservedCalls, configuration.claimBatchSize)
        guard accepting, hasRoom, limit > 0 else { return true }
        let polls = pollBudget.take(upTo: limit, now: now())
        let claims: [TaskClaim]
        do {
            claims = try await store.claimTasks(
                owner: configuration.workerID, dueBy: now(), limit: limit, pollLimit: polls,
                lease: configuration.leaseDuration, now: now()
            )
        } catch {
            pollBudget.giveBack(polls)
            outage.failed("claiming tasks", error: error, at: now(), logger: logger)
            return false
        }
        outage.succeeded(at: now(), logger: logger)
        let claimedPolls = claims.count(where: \.purpose.isBudgeted)
        pollBudget.giveBack(polls - claimedPolls)
        pollsWaitForBudget = claimedPolls == polls && claims.count < limit
        let firedAt = now()
        var deadlines: [TaskClaim] = []
        for claim in claims {
            inFlight[TaskKey(claim)] = claim
            recordLateness(of: claim, firedAt: firedAt)
            if claim.kind == .deadline {
                deadlines.append(claim)
            } else {
                group.addTask { await self.execute(claim) }
            }
        }
        if !deadlines.isEmpty {
            deadlinesInFlight += deadlines.count
            deadlineBatches += 1
            group.addTask { await self.executeDeadlines(deadlines) }
        }
        return claims.count == limit
    }

    /// Frees the tasks an earlier process under this worker's id left leased when it died, so
    /// they run now rather than when their leases lapse.
    private func releaseEarlierLeases() async {
        do {
            let released = try await store.releaseLeases(owner: configuration.workerID)
            if released > 0 {
                logger.notice("released the leases of an earlier run of this worker", metadata: ["count": "\(released)"])
            }
        } catch {
            logger.warning("releasing earlier leases failed; they lapse in time", metadata: ["error": "\(error)"])
        }
    }

    /// Waits for the tasks in flight to finish, giving back the follow-ups they lease meanwhile.
    private func drain() async {
        while !inFlight.isEmpty {
            await releaseFollowUps()
            await alarm.sleep(for: .milliseconds(50))
        }
    }

    /// Gives back follow-ups not started, for another worker.
    private func releaseFollowUps() async {
        let ready = readyFollowUps.map(\.claim)
        guard !ready.isEmpty else { return }
        readyFollowUps.removeAll()
        for claim in ready {
            finishedRunning(claim)
        }
        do {
            try await store.release(ready)
        } catch {
            logger.notice("giving back follow-ups failed; their leases lapse", metadata: ["error": "\(error)"])
        }
    }

    func finished(_ claim: TaskClaim) async {
        finishedRunning(claim)
        await alarm.ring()
    }

    /// Forgets a claim, unless its follow-up — the same task, leased again — took its place.
    private func finishedRunning(_ claim: TaskClaim) {
        if inFlight[TaskKey(claim)]?.fence == claim.fence {
            inFlight[TaskKey(claim)] = nil
        }
    }

    func finished(deadlines claims: [TaskClaim]) async {
        for claim in claims {
            finishedRunning(claim)
        }
        deadlinesInFlight -= claims.count
        deadlineBatches -= 1
        await alarm.ring()
    }

    /// Keeps the leases of running tasks alive.
    private func keepLeases() async {
        let interval = configuration.leaseDuration / 3
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let claims = Array(inFlight.values)
            guard !claims.isEmpty else { continue }
            do {
                let held = try await store.extendLeases(claims, owner: configuration.workerID, lease: configuration.leaseDuration, now: now())
                for claim in held where inFlight[TaskKey(claim)]?.fence == claim.fence {
                    inFlight[TaskKey(claim)] = claim
                }
            } catch {
                outage.failed("extending leases", error: error, at: now(), logger: logger)
            }
        }
    }

    /// Turns the store's notices into wake-ups.
    private func listen() async {
        for await signal in store.signals() {
            switch signal {
            case .taskDue(let at):
                timer.schedule(at)
                await alarm.ring()
            case .resync:
                loadedUntil = .distantPast
                await alarm.ring()
            case .eventsAppended:
                break
            }
        }
    }
}
