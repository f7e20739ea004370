import Crypto
import Foundation
import Logging
import Metrics
import ServiceLifecycle
import Tracing

/// Tender's engine: takes payments from the order system, drives each attempt through the gateway
/// and tells the order system how it ended.
///
/// The engine is a `Service`: run it in a `ServiceGroup` (or call ``run()``) to fire its scheduled
/// tasks. Several engines — in one process or many — may share one store; they split the work and
/// never do anything twice, because every task is claimed under a lease and every transition checks
/// the lease's fence.
public actor PaymentEngine: Service {
    let store: any PaymentStore
    /// The executor the engine's tasks prefer (the store's I/O thread, if it has one). A host's
    /// tasks that submit payments or read events may prefer it too, with
    /// `withTaskExecutorPreference(_:operation:)`: their answers from the store then resume them
    /// without a second hop. They must not block while they run on it.
    public nonisolated var executor: (any TaskExecutor)? { store.executor }
    let gateway: any PaymentGateway
    let configuration: EngineConfiguration
    /// The state machine every transition of this engine runs, built from the configuration's policy.
    public nonisolated let machine: AttemptMachine
    /// The state machine of refunds, with the same policy.
    public nonisolated let refundMachine: RefundMachine
    let logger: Logger
    let now: @Sendable () -> Date
    /// Where spans go (the configuration's tracer, else the process's).
    let tracer: any Tracer
    /// Whether anything traces: without a tracer no span is made and no trace context is stored.
    let isTracing: Bool
    let alarm = Alarm()
    /// The HMAC of submitted codes, keyed with the configuration's code-digest key.
    let codeDigester: CodeDigest.Digester?
    /// Wakes the readers of the outbox.
    let outboxBell = OutboxBell()
    /// The scheduler's bookkeeping: call slots, timer heap, poll budget, deadline batches, follow-ups.
    var scheduler: SchedulerStateMachine
    var outage = OutageLog()
    /// Writes the answers of polls in batches across attempts; nil when the window is zero.
    let pollBatcher: PollBatcher?
    /// The worker id, held while the engine runs.
    var workerIDHold: (any WorkerIDHold)?
    /// Set when another live worker took this one's id while its hold was lost: the run ends with it.
    var workerIDTaken: StoreError?

    /// Creates an engine.
    /// - Parameters:
    ///   - store: where attempts live.
    ///   - gateway: the payment gateway.
    ///   - configuration: how to run.
    ///   - logger: where to log; metadata carries attempt ids, never codes or keys.
    ///   - now: the clock (tests may compress or fix time).
    public init(
        store: any PaymentStore, gateway: any PaymentGateway, configuration: EngineConfiguration = EngineConfiguration(),
        logger: Logger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.store = store
        self.gateway = gateway
        self.configuration = configuration
        let machine = AttemptMachine(policy: configuration.policy)
        self.machine = machine
        self.refundMachine = RefundMachine(policy: configuration.policy)
        self.logger = logger
        self.now = now
        self.tracer = configuration.tracer ?? InstrumentationSystem.tracer
        self.isTracing = !(tracer is NoOpTracer)
        self.codeDigester = configuration.codeDigestKey.map(CodeDigest.Digester.init)
        self.scheduler = SchedulerStateMachine(configuration: configuration, now: now())
        self.pollBatcher =
            configuration.pollBatchWindow > .zero
            ? PollBatcher(window: configuration.pollBatchWindow, limit: configuration.pollBatchSize) { [store, machine] items in
                try await store.applyBatch(items, machine: machine, now: now())
            } : nil
        Self.declareAlertedCounters()
    }

    /// Registers at zero the counters that alert rules read with `increase()`, so that the first
    /// event shows as an increase rather than as a series that appears at 1.
    private static func declareAlertedCounters() {
        for label in ["tender_amount_mismatches_total", "tender_duplicate_charges_total", "tender_late_completions_total"] {
            _ = Counter(label: label)
        }
        for result in ["applied", "parked", "duplicate", "rejected", "unavailable"] {
            _ = Counter(label: "tender_webhooks_total", dimensions: [("result", result)])
        }
        for state in RefundState.allCases {
            _ = Counter(label: "tender_refunds_total", dimensions: [("state", state.rawValue)])
        }
    }

    // MARK: The order system's API

    /// Submits a payment attempt with the payer's code. Idempotent by `idempotencyKey`: the same key
    /// with the same request (the same code included) returns the same attempt; with another
    /// request it is refused.
    /// - Throws: ``ValidationError`` for a currency the gateway does not take; ``StoreError``
    ///   (idempotency conflict, attempt in flight, payment completed).
    public func submit(
        paymentID: PaymentID, amount: Money, customer: Customer, code: BLIKCode, idempotencyKey: String
    ) async throws -> SubmitResult {
        guard gateway.currencies.contains(amount.currency) else {
            throw ValidationError(.unknownCurrency, field: "currency", "not a currency the gateway takes")
        }
        return try await traced("tender.submit", kind: .server) { span in
            span?.attributes["tender.payment_id"] = paymentID.rawValue
            let request = SubmitRequest(
                idempotencyKey: idempotencyKey,
                submission: AttemptMachine.Submission(paymentID: paymentID, amount: amount, customer: customer, code: code),
                codeDigest: codeDigester.map { CodeDigest(of: code, with: $0) },
                traceHeaders: span.map(traceHeaders(of:)) ?? [:]
            )
            let result = try await withFollowUpLease(freeingSlot: false) { lease in
                try await self.store.submit(request, machine: self.machine, leasing: lease, now: self.now())
            }
            span?.attributes["tender.attempt_id"] = result.attempt.id.description
            span?.attributes["tender.replayed"] = result.transition == nil
            if let transition = result.transition {
                logger.info("attempt submitted", metadata: ["attempt_id": "\(result.attempt.id)", "payment_id": "\(paymentID)"])
                Counter(label: "tender_attempts_submitted_total").increment()
                await start(result.followUps, of: result.attempt, scheduling: transition.effects)
            }
            return result
        }
    }

    /// The payment with its attempts and history.
    public func payment(_ id: PaymentID) async throws -> PaymentRecord? {
        try await store.payment(id)
    }

    /// A page of payments, newest first (see ``PaymentQuery``).
    public func payments(matching query: PaymentQuery) async throws -> PaymentPage {
        try await store.payments(matching: query)
    }

    /// One attempt.
    public func attempt(_ id: AttemptID) async throws -> Attempt? {
        try await store.attempt(id)
    }

    /// Cancels the payment's attempt in flight: it ends ``AttemptState/canceled`` at once and
    /// makes no further gateway call. When the gateway already had a session, Tender keeps watching
    /// it until it expires; a confirmation that arrives anyway completes the attempt late (event
    /// `attempt.completed_late`) and its charge is refunded when the policy refunds duplicates.
    /// Canceling a canceled attempt again returns it unchanged.
    /// - Parameter operatorAction: the operator who cancels, when one does: recorded in the history
    ///   as theirs; the order system's cancel otherwise.
    /// - Throws: ``StoreError`` with ``StoreError/Code/notFound``, ``StoreError/Code/paymentCompleted``
    ///   or ``StoreError/Code/attemptFinished`` (the latest attempt expired or failed).
    public func cancel(paymentID: PaymentID, by operatorAction: OperatorAction? = nil) async throws -> Attempt {
        guard let record = try await store.payment(paymentID) else {
            throw StoreError(.notFound, "no payment \(paymentID)")
        }
        guard record.completedAttemptID == nil else {
            throw StoreError(.paymentCompleted, "payment \(paymentID) is paid; refund it instead")
        }
        guard let latest = record.attempts.last else {
            throw StoreError(.notFound, "payment \(paymentID) has no attempt")
        }
        guard latest.state.isInFlight else {
            guard latest.state == .canceled else {
                throw StoreError(.attemptFinished, "the attempt of payment \(paymentID) is \(latest.state.rawValue)")
            }
            return latest
        }
        let attempt = try await apply(operatorAction.map(AttemptInput.canceledByOperator) ?? .cancelRequested, to: latest.id).attempt
        guard attempt.state == .canceled else {
            // The outcome arrived first.
            throw attempt.state == .completed
                ? StoreError(.paymentCompleted, "payment \(paymentID) is paid; refund it instead")
                : StoreError(.attemptFinished, "the attempt of payment \(paymentID) is \(attempt.state.rawValue)")
        }
        return attempt
    }

    /// Resolves an attempt by hand, recorded in its history as an operator action with the
    /// operator's name and the gateway's answer. The session is read from the gateway first; a
    /// resolution that contradicts it (``Resolution/contradiction(resolving:sessionID:gatewayStatus:)``)
    /// is refused unless `force`d.
    /// - Throws: ``ResolutionRefused``; ``StoreError`` with ``StoreError/Code/notFound``; the
    ///   gateway's error when the session cannot be read and the resolution is not forced.
    public func resolve(_ id: AttemptID, as state: AttemptState, reason: String, operatorName: String, force: Bool = false) async throws -> Transition
    {
        guard let attempt = try await store.attempt(id) else {
            throw StoreError(.notFound, "no attempt \(id)")
        }
        var gatewayStatus: GatewaySession.Status?
        var unread = false
        if let sessionID = attempt.sessionID {
            do {
                gatewayStatus = try await timed("retrieve") { try await gateway.session(id: sessionID) }.status
            } catch  where force {
                unread = true
            }
        }
        let contradiction = Resolution.contradiction(resolving: state, sessionID: attempt.sessionID, gatewayStatus: gatewayStatus)
        if let contradiction, !force {
            throw ResolutionRefused(state: state, gatewayStatus: gatewayStatus, reason: contradiction)
        }
        // Forced: it overrode the gateway, or went ahead without reading it.
        let resolution = Resolution(
            state: state, reason: reason, operatorName: operatorName, gatewayStatus: gatewayStatus, forced: contradiction != nil || unread)
        return try await apply(.resolvedByOperator(resolution), to: id)
    }

    /// Stores a verified webhook and applies it as a hint. Answer the gateway 2xx only when this
    /// returns: the event is stored by then.
    /// - Parameters:
    ///   - hint: the event, verified by the gateway's verifier.
    ///   - body: the raw body, kept in the inbox.
    /// - Throws: the store's error when the event could not be stored (counted as `unavailable` and
    ///   logged once per outage).
    public func receiveWebhook(_ hint: WebhookHint, body: [UInt8]) async throws -> WebhookReceipt {
        try await traced("tender.webhook", kind: .server) { span in
            span?.attributes["tender.webhook.event_id"] = hint.eventID
            span?.attributes["tender.webhook.type"] = hint.type
            span?.attributes["tender.session_id"] = hint.sessionID
            let receipt = try await storeWebhook(hint, body: body)
            span?.attributes["tender.webhook.result"] = receipt.result
            return receipt
        }
    }

    /// Stores a webhook and applies it; see ``receiveWebhook(_:body:)``.
    private func storeWebhook(_ hint: WebhookHint, body: [UInt8]) async throws -> WebhookReceipt {
        let received: ReceivedWebhook
        do {
            received = try await withFollowUpLease(freeingSlot: false) { lease in
                try await self.store.receiveWebhook(hint, body: body, machine: self.machine, leasing: lease, now: self.now())
            }
        } catch {
            Counter(label: "tender_webhooks_total", dimensions: [("result", "unavailable")]).increment()
            noteStoreFailure("storing a webhook", error: error, logger: logger)
            throw error
        }
        if let applied = received.applied {
            await record(applied.transition, of: .webhookHint(hint), followUps: applied.followUps)
            let attemptID = applied.transition.attempt.id
            if applied.followUps.isEmpty, let pollBatcher, scheduler.pollInFlight(of: attemptID) {
                // The fetch joined the task of a poll running here: its answer is written at
                // once, so that the fetch is freed without waiting for the batch's window.
                await pollBatcher.expedite(attemptID)
            }
        }
        let result = received.receipt.result
        Counter(label: "tender_webhooks_total", dimensions: [("result", result)]).increment()
        logger.debug("webhook stored", metadata: ["event_id": "\(hint.eventID)", "session_id": "\(hint.sessionID)", "result": "\(result)"])
        return received.receipt
    }

    /// Events for the order system after a sequence number, in order; waits for new ones. Delivery is
    /// at least once: acknowledge what was handled with ``acknowledge(consumer:upTo:)``.
    public nonisolated func events(after sequence: Int64) -> OrderEventStream {
        OrderEventStream(engine: self, after: sequence)
    }

    /// How long a reader waiting for events goes without looking at the outbox again when no
    /// notification wakes it: the safety net for a notification lost while the listener reconnects,
    /// and the pace of an engine that does not run (and so does not listen).
    public static let outboxRecheckInterval: Duration = .seconds(1)

    /// Up to `limit` events after `sequence`, in order. When there are none yet, waits up to `wait`
    /// for the first, woken by this process's transitions and the store's notifications; returns
    /// the empty answer when the wait runs out or the task is cancelled.
    public nonisolated func events(after sequence: Int64, limit: Int, waitingUpTo wait: Duration = .zero) async throws -> [OrderEvent] {
        let clock = ContinuousClock()
        let deadline = clock.now + wait
        while true {
            let generation = await outboxBell.generation
            let events = try await store.events(after: sequence, limit: limit)
            let remaining = clock.now.duration(to: deadline)
            guard events.isEmpty, remaining > .zero, !Task.isCancelled else { return events }
            await outboxBell.wait(after: generation, atMost: min(remaining, Self.outboxRecheckInterval))
        }
    }

    /// Records that `consumer` handled every event up to `sequence`.
    public func acknowledge(consumer: String, upTo sequence: Int64) async throws {
        try await store.acknowledge(consumer: consumer, upTo: sequence, now: now())
    }

    /// The last sequence number `consumer` acknowledged.
    public func acknowledged(consumer: String) async throws -> Int64 {
        try await store.acknowledged(consumer: consumer)
    }

    /// Records a failure to reach the store (an error other than a ``StoreError`` refusal): logged
    /// once per outage. A failed task is retried when its lease lapses.
    func noteStoreFailure(_ operation: String, error: any Error, logger: Logger) {
        outage.failed(operation, error: error, at: now(), logger: logger)
    }

    // MARK: Transitions

    /// Applies an input and starts the follow-ups it leased. A transition completing a claimed task
    /// hands that task's call slot on to its follow-up; any other asks for a free slot. `known`
    /// is the attempt as last seen, which lets the store write the transition in one round trip
    /// when nothing moved since.
    @discardableResult
    func apply(_ input: AttemptInput, to id: AttemptID, completing claim: TaskClaim? = nil, knowing known: Attempt? = nil) async throws
        -> Transition
    {
        try await traced("tender.transition") { span in
            let applied = try await withFollowUpLease(freeingSlot: claim != nil) { lease in
                try await self.store.apply(
                    input, to: id, machine: self.machine, completing: claim, leasing: lease, now: self.now(), knowing: known)
            }
            await record(applied, of: input, on: span, completing: claim)
            return applied.transition
        }
    }

    /// Describes an applied transition on its span, counts a quiet poll, and records it
    /// (``record(_:of:followUps:completing:)``): what follows every transition a task's input
    /// made, applied alone or in a batch.
    func record(_ applied: AppliedTransition, of input: AttemptInput, on span: (any Span)?, completing claim: TaskClaim? = nil) async {
        if let span {
            describe(applied.transition, input: input, on: span)
            span.attributes["tender.quiet_poll"] = applied.isQuietPoll
        }
        if applied.isQuietPoll {
            Counter(label: "tender_quiet_polls_total").increment()
        }
        await record(applied.transition, of: input, followUps: applied.followUps, completing: claim)
    }

    /// Runs a store write with a lease for the follow-ups it makes due, when this engine can run
    /// them now: it is firing tasks and has a call slot (or the write frees one). A slot is
    /// reserved while the write runs, so concurrent writes never lease more than there is room for.
    private func withFollowUpLease<T>(freeingSlot: Bool, _ write: (FollowUpLease?) async throws -> T) async throws -> T {
        guard let slot = scheduler.reserveFollowUpSlot(completingClaim: freeingSlot) else {
            return try await write(nil)
        }
        defer { scheduler.releaseFollowUpSlot(slot) }
        return try await write(FollowUpLease(owner: configuration.workerID, duration: configuration.leaseDuration))
    }

    /// Logs and counts an applied transition, starts the follow-ups it leased (the first by the
    /// task of the claim it completed, when that task runs here) and schedules its other effects.
    func record(_ transition: Transition, of input: AttemptInput, followUps: [TaskClaim] = [], completing claim: TaskClaim? = nil) async {
        if !transition.events.isEmpty {
            await outboxBell.ring()
        }
        if transition.events.contains(.amountMismatch) {
            logger.error(
                "gateway session differs from the attempt",
                metadata: [
                    "attempt_id": "\(transition.attempt.id)", "session_id": "\(transition.attempt.sessionID ?? "-")", "note": "\(transition.note)",
                ])
            Counter(label: "tender_amount_mismatches_total").increment()
        }
        if transition.events.contains(.duplicateCharge) {
            Counter(label: "tender_duplicate_charges_total").increment()
        }
        if transition.events.contains(.completedLate) {
            Counter(label: "tender_late_completions_total").increment()
        }
        if transition.changedState {
            logger.info(
                "attempt \(transition.attempt.state.rawValue)",
                metadata: [
                    "attempt_id": "\(transition.attempt.id)", "source": "\(input.source.rawValue)", "note": "\(transition.note)",
                ])
            Counter(label: "tender_transitions_total", dimensions: [("to", transition.attempt.state.rawValue)]).increment()
        }
        for case .refundCharge(let reason, _) in transition.effects {
            logger.info("refund requested", metadata: ["attempt_id": "\(transition.attempt.id)", "reason": "\(reason.rawValue)"])
            Counter(label: "tender_refunds_total", dimensions: [("state", RefundState.requested.rawValue)]).increment()
        }
        await start(followUps, of: transition.attempt, scheduling: transition.effects, completing: claim)
    }

    /// Hands leased follow-ups to the scheduler, and schedules the other tasks among `effects`.
    /// The loop is woken for the follow-ups the completed claim's task does not run itself.
    private func start(_ followUps: [TaskClaim], of attempt: Attempt, scheduling effects: [Effect], completing claim: TaskClaim? = nil) async {
        let loopStarts = scheduler.followUpsLeased(followUps, of: attempt, completing: claim)
        let leased = Set(followUps.map(\.kind))
        await schedule(
            effects.filter { effect in effect.scheduledTask.map { !leased.contains($0.purpose.kind) } ?? false }, ringing: loopStarts)
    }

    /// Puts the due times of the tasks `effects` schedule on the timer heap, and wakes the
    /// scheduler when one is near (or when `ringing`).
    func schedule(_ effects: [Effect], ringing: Bool = false) async {
        let now = now()
        var near = false
        for case (let purpose, let dueAt)? in effects.lazy.map(\.scheduledTask) {
            near = scheduler.schedule(dueAt, kind: purpose.kind, now: now) || near
        }
        if ringing || near {
            await alarm.ring()
        }
    }

    /// Puts the due time of a task of `kind` on the timer heap, and wakes the scheduler when it is
    /// near.
    func schedule(_ dueAt: Date, kind: TaskKind) async {
        if scheduler.schedule(dueAt, kind: kind, now: now()) {
            await alarm.ring()
        }
    }
}
