import Foundation
import Logging
import Metrics
import ServiceLifecycle

/// Tender's engine: takes payments from the order system, drives each attempt through the gateway
/// and tells the order system how it ended.
///
/// The engine is a `Service`: run it in a `ServiceGroup` (or call ``run()``) to fire its scheduled
/// tasks. Several engines — in one process or many — may share one store; they split the work and
/// never do anything twice, because every task is claimed under a lease and every transition checks
/// the lease's fence.
public actor PaymentEngine: Service {
    let store: any PaymentStore
    let gateway: any PaymentGateway
    let configuration: EngineConfiguration
    let logger: Logger
    let now: @Sendable () -> Date
    let alarm = Alarm()
    let pollBudget: RequestBudget
    var timer = TaskTimer()
    var inFlight: [TaskKey: TaskClaim] = [:]
    /// Deadline claims in ``inFlight``: they run in batches, one transaction each, with no gateway call.
    var deadlinesInFlight = 0
    /// Deadline batches running.
    var deadlineBatches = 0
    var loadedUntil = Date.distantPast
    var accepting = true
    var outage = OutageLog()

    /// Identifies a task: an attempt has at most one of each kind.
    struct TaskKey: Hashable {
        var attemptID: AttemptID
        var kind: TaskKind
    }

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
        self.logger = logger
        self.now = now
        self.pollBudget = RequestBudget(rate: configuration.pollBudget, burst: max(1, Int(configuration.pollBudget)))
    }

    /// The machine the store applies.
    public var machine: AttemptMachine { AttemptMachine(policy: configuration.policy) }

    // MARK: The order system's API

    /// Submits a payment attempt with the payer's code. Idempotent by `idempotencyKey`: the same key
    /// with the same request returns the same attempt; with another request it is refused.
    /// - Throws: ``StoreError`` (idempotency conflict, attempt in flight, payment completed).
    public func submit(
        paymentID: PaymentID, amount: Money, customer: Customer, code: BLIKCode, idempotencyKey: String
    ) async throws -> SubmitResult {
        let request = SubmitRequest(
            idempotencyKey: idempotencyKey,
            submission: AttemptMachine.Submission(paymentID: paymentID, amount: amount, customer: customer, code: code)
        )
        let result = try await store.submit(request, now: now())
        if !result.replayed {
            logger.info("attempt submitted", metadata: ["attempt_id": "\(result.attempt.id)", "payment_id": "\(paymentID)"])
            Counter(label: "tender_attempts_submitted_total").increment()
            await schedule(machine.submit(request.submission, now: result.attempt.submittedAt).effects)
        }
        return result
    }

    /// The payment with its attempts and history.
    public func payment(_ id: PaymentID) async throws -> PaymentRecord? {
        try await store.payment(id)
    }

    /// One attempt.
    public func attempt(_ id: AttemptID) async throws -> Attempt? {
        try await store.attempt(id)
    }

    /// Asks to cancel an attempt. Only an attempt whose code has not been sent can be cancelled;
    /// otherwise the request is recorded and the attempt goes on.
    public func cancel(_ id: AttemptID) async throws -> Attempt {
        try await apply(.cancelRequested, to: id).attempt
    }

    /// Resolves an attempt by hand, recorded in its history as an operator action.
    public func resolve(_ id: AttemptID, as state: AttemptState, reason: String) async throws -> Transition {
        try await apply(.resolvedByOperator(state, reason: reason), to: id)
    }

    /// Verifies a webhook, stores it, and applies it as a hint. Answer the gateway 2xx only when
    /// this returns: the event is stored by then.
    /// - Throws: ``WebhookRejection`` for a forged, stale, oversized or malformed webhook (nothing is
    ///   stored), or the store's error when the event could not be stored (counted as
    ///   `unavailable` and logged once per outage).
    public func handleWebhook(headers: [(name: String, value: String)], body: [UInt8]) async throws -> WebhookReceipt {
        let hint: WebhookHint
        do {
            hint = try gateway.verifyWebhook(headers: headers, body: body, now: now())
            guard Self.isStorable(hint) else { throw WebhookRejection.malformedBody }
        } catch {
            Counter(label: "tender_webhooks_total", dimensions: [("result", "rejected")]).increment()
            logger.notice("webhook rejected", metadata: ["reason": "\(error)"])
            throw error
        }
        let receipt: WebhookReceipt
        do {
            receipt = try await store.receiveWebhook(hint, body: body, now: now())
        } catch {
            Counter(label: "tender_webhooks_total", dimensions: [("result", "unavailable")]).increment()
            noteStoreFailure("storing a webhook", error: error, logger: logger)
            throw error
        }
        let result: String
        switch receipt {
        case .applied: result = "applied"; await schedule([.fetch(.webhook, at: now())])
        case .parked: result = "parked"
        case .duplicate: result = "duplicate"
        }
        Counter(label: "tender_webhooks_total", dimensions: [("result", result)]).increment()
        logger.debug("webhook stored", metadata: ["event_id": "\(hint.eventID)", "session_id": "\(hint.sessionID)", "result": "\(result)"])
        return receipt
    }

    /// Whether a verified event's identifiers can be stored: each 1 to 255 UTF-8 bytes without
    /// control characters (PostgreSQL's text cannot hold NUL, and its indexes refuse huge keys).
    /// A signed event that fails this is malformed (400), not a reason to make the gateway retry.
    static func isStorable(_ hint: WebhookHint) -> Bool {
        [hint.eventID, hint.type, hint.sessionID].allSatisfy { field in
            (1...255).contains(field.utf8.count) && !field.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
        }
    }

    /// Events for the order system after a sequence number, in order; waits for new ones. Delivery is
    /// at least once: acknowledge what was handled with ``acknowledge(consumer:upTo:)``.
    public nonisolated func events(after sequence: Int64) -> OrderEventStream {
        OrderEventStream(store: store, after: sequence)
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

    @discardableResult
    func apply(_ input: AttemptInput, to id: AttemptID, completing claim: TaskClaim? = nil) async throws -> Transition {
        let transition = try await store.apply(input, to: id, completing: claim, now: now())
        await record(transition, of: input)
        return transition
    }

    /// Logs and counts an applied transition and schedules its effects.
    func record(_ transition: Transition, of input: AttemptInput) async {
        if transition.changedState {
            logger.info("attempt \(transition.attempt.state.rawValue)", metadata: [
                "attempt_id": "\(transition.attempt.id)", "source": "\(input.source.rawValue)", "note": "\(transition.note)",
            ])
            Counter(label: "tender_transitions_total", dimensions: [("to", transition.attempt.state.rawValue)]).increment()
        }
        await schedule(transition.effects)
    }

    /// Puts the due times of scheduled effects on the timer heap.
    func schedule(_ effects: [Effect]) async {
        var earliest: Date?
        for effect in effects {
            switch effect {
            case .call(_, let at), .fetch(_, let at), .scheduleDeadline(let at):
                timer.schedule(at)
                earliest = min(earliest ?? at, at)
            case .cancel, .emit, .eraseCode:
                break
            }
        }
        if let earliest, earliest <= now() + configuration.sweepInterval {
            await alarm.ring()
        }
    }
}
