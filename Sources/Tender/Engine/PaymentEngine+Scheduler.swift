import Foundation
import Logging
import Metrics
import ServiceLifecycle

extension PaymentEngine {
    /// Fires scheduled tasks until cancelled or asked to shut down gracefully. On a graceful
    /// shutdown it stops claiming, lets the gateway calls in flight finish and record their
    /// answers, and gives back anything it could not finish.
    ///
    /// - Throws: ``StoreError`` with ``StoreError/Code/workerIDInUse`` when another live worker
    ///   runs under this one's id, or the store's error when it cannot be reached at the start.
    public func run() async throws {
        workerIDHold = try await store.holdWorkerID(configuration.workerID, waitingUpTo: configuration.workerIDWait)
        workerIDTaken = nil
        await runHoldingWorkerID()
        await workerIDHold?.release()
        workerIDHold = nil
        if let workerIDTaken {
            throw workerIDTaken
        }
    }

    /// ``run()`` once the worker id is held. Its tasks prefer the store's executor.
    private func runHoldingWorkerID() async {
        logger.info("engine started", metadata: ["worker_id": "\(configuration.workerID)"])
        await releaseEarlierLeases()
        scheduler.runStarted()
        defer { scheduler.runEnded() }
        await withTaskExecutorPreference(store.executor) {
            await runTasks()
        }
        logger.info("engine stopped", metadata: ["worker_id": "\(configuration.workerID)"])
    }

    /// The engine's tasks: the scheduler loop and the tasks it starts, the listener, the event
    /// announcer, lease and worker-id keeping, and retention.
    private func runTasks() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.listen() }
            group.addTask { await self.store.announceEvents() }
            group.addTask { await self.keepLeases() }
            group.addTask { await self.keepWorkerID() }
            group.addTask { await self.pruneExpiredData() }
            await withGracefulShutdownHandler {
                await self.fireTasks(in: &group)
            } onGracefulShutdown: {
                Task { await self.stopAccepting() }
            }
            group.cancelAll()
        }
    }

    /// Asks the loop to stop claiming and drain: a graceful shutdown.
    func stopAccepting() async {
        scheduler.shutdownRequested()
        await alarm.ring()
    }

    /// The scheduler loop: performs what the scheduler's state machine asks — start tasks, sweep,
    /// fire deadlines, claim, sleep — until it asks to drain or the task is cancelled, then drains.
    private func fireTasks(in group: inout DiscardingTaskGroup) async {
        loop: while !Task.isCancelled {
            switch scheduler.next(now: now()) {
            case .start(let tasks):
                start(tasks, in: &group)
            case .sweep(let recoverLeases):
                group.addTask { await self.sweep(recoverLeases: recoverLeases) }
            case .fireDeadlines(let limit):
                group.addTask { await self.fireDeadlines(limit: limit) }
            case .claim(let limit, let polls):
                await claim(limit: limit, polls: polls, in: &group)
            case .sleep(let wakeAt):
                let delay = wakeAt.timeIntervalSince(now())
                if delay > 0 {
                    await alarm.sleep(for: .microseconds(Int64(delay * 1_000_000)))
                }
            case .drain:
                break loop
            }
        }
        await drain()
    }

    /// Runs tasks in the group, each on its own.
    private func start(_ tasks: [ReadyTask], in group: inout DiscardingTaskGroup) {
        let firedAt = now()
        for task in tasks {
            recordLateness(of: task.claim, firedAt: firedAt)
            group.addTask { await self.execute(task.claim, attempt: task.attempt, firedAt: firedAt) }
        }
    }

    /// Records how long after its due time a task started.
    func recordLateness(of claim: TaskClaim, firedAt: Date) {
        Timer(label: "tender_task_lateness_seconds", dimensions: [("kind", claim.kind.rawValue)])
            .recordNanoseconds(Int64(max(0, firedAt.timeIntervalSince(claim.dueAt)) * 1e9))
    }

    /// Loads the near-future due times the heap does not know and recovers lapsed leases, while
    /// the loop goes on; then wakes the loop.
    private func sweep(recoverLeases: Bool) async {
        do {
            if recoverLeases {
                let recovered = try await store.recoverLapsedLeases()
                if recovered > 0 {
                    logger.notice("recovered lapsed task leases", metadata: ["count": "\(recovered)"])
                }
            }
            let horizon = now() + configuration.lookahead
            let upcoming = try await store.upcomingTasks(dueBy: horizon, limit: 10_000)
            scheduler.swept(upcoming, loadedUntil: horizon, now: now())
            outage.succeeded(at: now(), logger: logger)
        } catch {
            scheduler.sweepFailed(now: now())
            outage.failed("sweep", error: error, at: now(), logger: logger)
        }
        await alarm.ring()
    }

    /// Claims up to `limit` due tasks making calls, at most `polls` of them polls, and runs them in
    /// the group.
    private func claim(limit: Int, polls: Int, in group: inout DiscardingTaskGroup) async {
        let claims: [ReadyTask]
        do {
            claims = try await store.claimTasks(
                owner: configuration.workerID, dueBy: now(), limit: limit, pollLimit: polls, deadlineLimit: 0,
                lease: configuration.leaseDuration
            )
        } catch {
            scheduler.claimFailed()
            outage.failed("claiming tasks", error: error, at: now(), logger: logger)
            return
        }
        outage.succeeded(at: now(), logger: logger)
        start(scheduler.claimed(claims), in: &group)
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
        while case .wait(let unstarted) = scheduler.nextDrainStep() {
            await release(unstarted)
            await alarm.sleep(for: .milliseconds(50))
        }
    }

    /// Gives back follow-ups not started, for another worker.
    private func release(_ followUps: [TaskClaim]) async {
        guard !followUps.isEmpty else { return }
        do {
            try await store.release(followUps)
        } catch {
            logger.notice("giving back follow-ups failed; their leases lapse", metadata: ["error": "\(error)"])
        }
    }

    /// A deadline batch fired `count` deadlines of at most `limit`: its slot is free, and the loop
    /// may fire again.
    func finishedDeadlines(_ count: Int, limit: Int) async {
        scheduler.deadlinesFired(count, limit: limit)
        await alarm.ring()
    }

    /// Keeps the leases of running tasks alive.
    private func keepLeases() async {
        let interval = configuration.leaseDuration / 3
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            let claims = scheduler.claimsInFlight
            guard !claims.isEmpty else { continue }
            do {
                let held = try await store.extendLeases(claims, owner: configuration.workerID, lease: configuration.leaseDuration)
                scheduler.leasesExtended(held)
            } catch {
                outage.failed("extending leases", error: error, at: now(), logger: logger)
            }
        }
    }

    /// Checks every few seconds that the worker id is still held, and takes it again when the
    /// database session that held it was lost (a restart, or a failover to a standby, which knows
    /// nothing of the old primary's locks). If another live worker took the id meanwhile, the
    /// engine stops as a graceful shutdown does and ``run()`` throws ``StoreError/Code/workerIDInUse``.
    private func keepWorkerID() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: Self.workerIDCheckInterval)
            guard !Task.isCancelled, let hold = workerIDHold, await !hold.isHeld() else { continue }
            do {
                workerIDHold = try await store.holdWorkerID(configuration.workerID, waitingUpTo: configuration.workerIDWait)
                await hold.release()
                logger.info(
                    "worker id held again after the database session holding it was lost", metadata: ["worker_id": "\(configuration.workerID)"])
            } catch let error as StoreError where error.code == .workerIDInUse {
                logger.error(
                    "another worker took this worker's id while its hold was lost; stopping", metadata: ["worker_id": "\(configuration.workerID)"])
                workerIDTaken = error
                await stopAccepting()
                return
            } catch {
                continue  // the database is still out of reach: try again at the next check
            }
        }
    }

    /// How often ``keepWorkerID()`` checks the hold.
    static let workerIDCheckInterval: Duration = .seconds(2)

    /// Turns the store's notices into wake-ups.
    private func listen() async {
        for await signal in store.signals() {
            switch signal {
            case .taskDue(let at):
                scheduler.schedule(at, kind: nil, now: now())
                await alarm.ring()
            case .resync:
                scheduler.resync()
                await alarm.ring()
                await outboxBell.ring()
            case .eventsAppended:
                await outboxBell.ring()
            }
        }
    }
}
