import Foundation
import Logging
import Metrics

extension PaymentEngine {
    /// Runs one claimed task: makes its gateway call, if any, and applies the answer as the task's
    /// completion. A lost lease refuses the transition; the task's new holder does the work.
    /// Then runs the follow-up that transition leased, and so on down the chain, in the same call
    /// slot: a payment's next call starts without waking the loop.
    /// - Parameters:
    ///   - attempt: the attempt as the transition that leased the task left it; read from the
    ///     store when nil.
    ///   - firedAt: when the scheduler fired the task, for its span's lateness.
    func execute(_ claim: TaskClaim, attempt: Attempt?, firedAt: Date) async {
        var task = ReadyTask(claim: claim, attempt: attempt)
        var firedAt = firedAt
        while true {
            scheduler.started(task.claim)
            await tracedTask(task.claim, firedAt: firedAt) {
                if case .refund = task.claim.purpose {
                    await completeRefunds(task.claim)
                } else {
                    await complete(task.claim, attempt: task.attempt)
                }
            }
            guard let followUp = scheduler.finished(task.claim, takingFollowUp: !Task.isCancelled) else { break }
            task = followUp
            firedAt = now()
            recordLateness(of: task.claim, firedAt: firedAt)
        }
        if scheduler.awaitsFreeSlot {
            await alarm.ring()
        }
    }

    /// Claims up to `limit` due deadlines and fires them together, in one transaction. When that
    /// transaction fails, nothing was claimed: the deadlines are claimed again and each applied
    /// on its own, so that one deadline the store cannot fire holds back no other.
    /// Each deadline gets a span of its own in its attempt's trace.
    func fireDeadlines(limit: Int) async {
        let firedAt = now()
        var count = 0
        do {
            let fired = try await store.fireDeadlines(
                dueBy: firedAt, limit: limit, owner: configuration.workerID, machine: machine)
            count = fired.count
            let parents = isTracing && !fired.isEmpty ? await submissionContext(of: fired.map(\.claim.attemptID)) : [:]
            for deadline in fired {
                recordLateness(of: deadline.claim, firedAt: firedAt)
                switch deadline.result {
                case .success(let transition):
                    await record(transition, of: .deadlineReached)
                    if isTracing {
                        traceDeadline(deadline.claim, firedAt: firedAt, transition: transition, parent: parents[deadline.claim.attemptID])
                    }
                case .failure(let error):
                    logger.debug("deadline not applied", metadata: ["attempt_id": "\(deadline.claim.attemptID)", "error": "\(error)"])
                }
            }
            outage.succeeded(at: now(), logger: logger)
        } catch {
            count = await fireDeadlinesOneByOne(limit: limit, dueBy: firedAt, batchError: error)
        }
        await finishedDeadlines(count, limit: limit)
    }

    /// Claims up to `limit` deadlines due by `dueBy` under leases and applies each on its own,
    /// after their batch failed with `batchError`; returns how many were claimed.
    private func fireDeadlinesOneByOne(limit: Int, dueBy: Date, batchError: any Error) async -> Int {
        let claims: [TaskClaim]
        do {
            claims = try await store.claimTasks(
                owner: configuration.workerID, dueBy: dueBy, limit: 0, pollLimit: 0, deadlineLimit: limit, lease: configuration.leaseDuration
            ).map(\.claim)
        } catch {
            outage.failed("firing deadlines", error: error, at: now(), logger: logger)
            return 0
        }
        if !claims.isEmpty {
            logger.notice("deadline batch failed; applying each deadline alone", metadata: ["count": "\(claims.count)", "error": "\(batchError)"])
        }
        for claim in claims {
            recordLateness(of: claim, firedAt: now())
            await complete(claim)
        }
        return claims.count
    }

    private func complete(_ claim: TaskClaim, attempt: Attempt? = nil) async {
        await runTask(claim) {
            let (input, known) = try await input(for: claim, attempt: attempt)
            if let pollBatcher, claim.purpose.isBudgeted, try await applyPolled(input, completing: claim, in: pollBatcher) {
                return
            }
            try await retryingStoreFailures(of: claim) {
                try await apply(input, to: claim.attemptID, completing: claim, knowing: known)
            }
        }
    }

    /// Applies a poll's answer in the poll batcher's next batch (``EngineConfiguration/pollBatchWindow``)
    /// and records it as ``apply(_:to:completing:)`` would. The batch leases no follow-ups: the
    /// tasks the transition makes due are scheduled and claimed as usual.
    /// - Returns: false when the batch failed as a whole and wrote nothing: apply the answer alone.
    /// - Throws: the item's own refusal (``StoreError/Code/fencedOut`` for a lost lease).
    private func applyPolled(_ input: AttemptInput, completing claim: TaskClaim, in batcher: PollBatcher) async throws -> Bool {
        let outcome = await batcher.apply(BatchInput(input: input, attemptID: claim.attemptID, claim: claim))
        switch outcome {
        case .applied(.success(let transition)):
            try await traced("tender.transition") { span in
                await record(AppliedTransition(transition: transition, isQuietPoll: QuietPoll.isStored(transition)), of: input, on: span)
            }
            return true
        case .applied(.failure(let refusal)):
            throw refusal
        case .batchFailed(let error):
            logger.debug("poll batch failed; applying the poll alone", metadata: ["attempt_id": "\(claim.attemptID)", "error": "\(error)"])
            return false
        }
    }

    /// Runs the work of a claimed task, logging how it failed: a lost lease and a cancellation
    /// quietly (the task's next holder does the work), a refusal as a warning, an unreachable
    /// store once per outage.
    func runTask(_ claim: TaskClaim, _ work: () async throws -> Void) async {
        do {
            try await work()
        } catch let error as StoreError where error.code == .fencedOut {
            logger(for: claim).debug("task lost its lease; its new holder finishes it", metadata: ["kind": "\(claim.kind.rawValue)"])
        } catch is CancellationError {
            logger(for: claim).debug("task cancelled; its lease will lapse", metadata: ["kind": "\(claim.kind.rawValue)"])
        } catch let error as StoreError {
            logger(for: claim).warning(
                "task failed; it will be retried when its lease lapses",
                metadata: [
                    "kind": "\(claim.kind.rawValue)", "error": "\(error)",
                ])
        } catch {
            noteStoreFailure("task \(claim.kind.rawValue)", error: error, logger: logger(for: claim))
        }
    }

    /// The engine's logger with a claimed task's attempt id, made when something is logged:
    /// setting metadata costs some handlers more than the rest of a task's bookkeeping
    /// (swift-log's `StreamLogHandler` renders all of its metadata again).
    func logger(for claim: TaskClaim) -> Logger {
        var logger = self.logger
        logger[metadataKey: "attempt_id"] = .stringConvertible(claim.attemptID)
        return logger
    }

    /// Writes what a task learned, retrying for up to a lease's length while the store fails:
    /// the gateway's answer outlives a short outage, and the task does not wait for its lease to
    /// lapse. Gives up (leaving the task to its lease) sooner when the engine stops accepting work.
    @discardableResult
    func retryingStoreFailures<T>(of claim: TaskClaim, _ write: () async throws -> T) async throws -> T {
        let giveUpAt = ContinuousClock.now + configuration.leaseDuration
        var pause = Duration.milliseconds(100)
        while true {
            do {
                return try await write()
            } catch let error as StoreError {
                throw error
            } catch {
                guard scheduler.isAccepting, !Task.isCancelled, ContinuousClock.now + pause < giveUpAt else { throw error }
                noteStoreFailure("task \(claim.kind.rawValue)", error: error, logger: logger(for: claim))
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .seconds(2))
            }
        }
    }

    /// What the task learned: the gateway's answer turned into an input, with the attempt as the
    /// task saw it (nil for a deadline, which reads none).
    private func input(for claim: TaskClaim, attempt known: Attempt?) async throws -> (AttemptInput, Attempt?) {
        switch claim.purpose {
        case .deadline:
            return (.deadlineReached, known)
        case .refund:
            preconditionFailure("refund tasks run through completeRefunds")
        case .fetch(let reason):
            let attempt = try await attempt(claim.attemptID, known: known)
            guard let sessionID = attempt?.sessionID else {
                return (.fetchFailed(reason, GatewayError(kind: .requestRejected, message: "no session to fetch")), attempt)
            }
            if reason.isBudgeted {
                Counter(label: "tender_polls_total").increment()
            }
            do {
                return (.fetched(try await timed("retrieve") { try await self.gateway.session(id: sessionID) }, reason), attempt)
            } catch {
                return (.fetchFailed(reason, GatewayError(error)), attempt)
            }
        case .call(let call):
            guard let attempt = try await attempt(claim.attemptID, known: known) else {
                throw StoreError(.notFound, "no attempt \(claim.attemptID)")
            }
            if now() >= attempt.deadline {
                // A backlog held the call past the deadline: the code is stale and the payer gone,
                // so the call is not made and the attempt expires as its deadline would have it.
                return (.deadlineReached, attempt)
            }
            do {
                return (try await perform(call, for: attempt), attempt)
            } catch {
                return (.callFailed(call, GatewayError(error)), attempt)
            }
        }
    }

    /// The attempt as a transition left it, or else as stored.
    private func attempt(_ id: AttemptID, known: Attempt?) async throws -> Attempt? {
        if let known {
            return known
        }
        return try await store.attempt(id)
    }

    /// Makes one gateway call for an attempt. Idempotency keys derive from the attempt, so a
    /// retried call is recognised by the gateway.
    private func perform(_ call: GatewayCall, for attempt: Attempt) async throws -> AttemptInput {
        let key = "tender-\(attempt.id)-\(call.rawValue)"
        switch call {
        case .createSession:
            let request = SessionRequest(
                amount: attempt.amount, customer: attempt.customer,
                expiresAt: attempt.deadline + configuration.policy.sessionLifetimeBeyondDeadline,
                notificationURL: configuration.webhookURL,
                metadata: ["payment_id": attempt.paymentID.rawValue, "attempt_id": attempt.id.description]
            )
            return .sessionCreated(try await timed("create") { try await self.gateway.createSession(request, idempotencyKey: key) })
        case .pay:
            guard let sessionID = attempt.sessionID, let code = attempt.code else {
                throw GatewayError(kind: .requestRejected, message: "no session or code to pay with")
            }
            return .payAnswered(try await timed("pay") { try await self.gateway.pay(sessionID: sessionID, code: code, idempotencyKey: key) })
        }
    }

    /// Runs a gateway call, recording its latency and failures by endpoint.
    /// Each call is a client span, `tender.gateway.<endpoint>`, in the current task's.
    func timed<T>(_ endpoint: String, _ call: () async throws -> T) async throws -> T {
        try await traced("tender.gateway.\(endpoint)", kind: .client) { span in
            let started = ContinuousClock.now
            defer {
                Timer(label: "tender_gateway_request_duration_seconds", dimensions: [("endpoint", endpoint)])
                    .recordNanoseconds(Int64(started.duration(to: .now).timeInterval * 1e9))
            }
            do {
                return try await call()
            } catch {
                let classified = GatewayError(error)
                Counter(label: "tender_gateway_errors_total", dimensions: [("endpoint", endpoint), ("class", classified.metricClass)])
                    .increment()
                span?.attributes["tender.gateway.error"] = classified.metricClass
                throw classified
            }
        }
    }
}

extension GatewayError {
    /// The error as a gateway error; anything else thrown by a gateway (a cancelled call, say) may
    /// have reached the gateway, so it counts as a retryable failure with an unknown outcome.
    init(_ error: any Error) {
        self = error as? GatewayError ?? GatewayError(kind: .retryLater, outcomeUnknown: true, message: "call interrupted")
    }

    /// The error's class as a metric label.
    var metricClass: String {
        switch kind {
        case .payerMustAct: "payer_must_act"
        case .requestRejected: "request_rejected"
        case .configuration: "configuration"
        case .retryLater: "retry_later"
        }
    }
}
