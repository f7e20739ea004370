import Foundation

/// Tender's durable state: attempts, their history, follow-up tasks, the webhook inbox and the
/// outbox of events for the order system.
///
/// Every method that changes an attempt runs the ``AttemptMachine`` it is given inside one
/// transaction: it reads the attempt under a lock, computes the transition, and writes the new
/// state, the history row, the task changes and the outbox events together, or nothing. The store
/// holds no policy of its own; the engine owns the machine.
public protocol PaymentStore: Sendable {
    /// Stores a new attempt, or returns the existing one for a replayed idempotency key. With a
    /// `lease`, the new attempt's first gateway call is leased to its owner in the same transaction
    /// and returned in ``SubmitResult/followUps``.
    /// - Throws: ``StoreError`` with ``StoreError/Code/idempotencyConflict``,
    ///   ``StoreError/Code/attemptInFlight`` or ``StoreError/Code/paymentCompleted``.
    func submit(_ request: SubmitRequest, machine: AttemptMachine, leasing lease: FollowUpLease?, now: Date) async throws -> SubmitResult

    /// Applies one input to an attempt. When `claim` is given, the claimed task is completed in the
    /// same transaction, and the transition is refused with ``StoreError/Code/fencedOut`` unless the
    /// claim still holds its lease. With a `lease`, the tasks the transition makes due at once and
    /// nobody holds are leased to its owner in the same transaction, as a claim would.
    func apply(
        _ input: AttemptInput, to attemptID: AttemptID, machine: AttemptMachine, completing claim: TaskClaim?,
        leasing lease: FollowUpLease?, now: Date
    ) async throws -> AppliedTransition

    /// Applies inputs to many attempts in one transaction, with the outcome of applying them one
    /// after the other with ``apply(_:to:machine:completing:leasing:now:)``: each item is locked, its claim's fence
    /// checked, its transition written with history, tasks and outbox events. An item that one
    /// application would refuse (``StoreError/Code/fencedOut`` for a lost lease,
    /// ``StoreError/Code/notFound``) is refused alone and writes nothing; any other failure
    /// rolls the whole batch back and is thrown.
    /// - Returns: one result per item, in order.
    func applyBatch(_ items: [BatchInput], machine: AttemptMachine, now: Date) async throws -> [Result<Transition, StoreError>]

    /// Stores a verified webhook and, when its session is known, applies it as a hint; a duplicate
    /// event changes nothing, an event for an unknown session is parked. With a `lease`, the fetch
    /// the hint asks for is leased to its owner in the same transaction.
    func receiveWebhook(
        _ hint: WebhookHint, body: [UInt8], machine: AttemptMachine, leasing lease: FollowUpLease?, now: Date
    ) async throws -> ReceivedWebhook

    /// Claims up to `limit` tasks due by `dueBy`, each under a lease held by `owner` until
    /// `now + lease`, skipping tasks other workers hold. Tasks outside the poll budget come first,
    /// earliest first; at most `pollLimit` polls (``TaskPurpose/isBudgeted``) fill the rest.
    func claimTasks(owner: String, dueBy: Date, limit: Int, pollLimit: Int, lease: Duration, now: Date) async throws -> [TaskClaim]

    /// The due times of unleased tasks due by `dueBy`, earliest first, for a worker's timer heap.
    func upcomingTasks(dueBy: Date, limit: Int) async throws -> [ScheduledTask]

    /// Extends the leases of claims still held by `owner`; returns the claims it still holds.
    func extendLeases(_ claims: [TaskClaim], owner: String, lease: Duration, now: Date) async throws -> [TaskClaim]

    /// Gives claimed tasks back unfinished, due at once, for another worker (a graceful shutdown).
    func release(_ claims: [TaskClaim]) async throws

    /// Frees the tasks whose leases lapsed (their worker died); returns how many.
    func recoverLapsedLeases(now: Date) async throws -> Int

    /// Frees every task leased by `owner` without waiting for the leases to lapse: a worker calls
    /// it when it starts, since no earlier process of the same name can still finish its claims.
    /// Returns how many.
    func releaseLeases(owner: String) async throws -> Int

    /// The attempt with this id.
    func attempt(_ id: AttemptID) async throws -> Attempt?

    /// The attempt that holds this gateway session.
    func attempt(sessionID: String) async throws -> Attempt?

    /// The payment with all its attempts and their histories.
    func payment(_ id: PaymentID) async throws -> PaymentRecord?

    /// Attempts in a state that were submitted before a time, oldest first (for operators).
    func attempts(in state: AttemptState, submittedBefore: Date, limit: Int) async throws -> [Attempt]

    /// Outbox events after a sequence number, in order.
    func events(after sequence: Int64, limit: Int) async throws -> [OrderEvent]

    /// Records that `consumer` has handled every event up to `sequence`.
    func acknowledge(consumer: String, upTo sequence: Int64, now: Date) async throws

    /// The last sequence number `consumer` acknowledged (0 when none).
    func acknowledged(consumer: String) async throws -> Int64

    /// Notices of changes made by any process sharing the store, for as long as the caller iterates.
    func signals() -> AsyncStream<StoreSignal>
}

/// A submission with its idempotency key.
public struct SubmitRequest: Sendable, Hashable {
    /// The caller's key; the same key with the same request returns the same attempt.
    public var idempotencyKey: String
    /// What to submit.
    public var submission: AttemptMachine.Submission

    /// Creates a request.
    public init(idempotencyKey: String, submission: AttemptMachine.Submission) {
        self.idempotencyKey = idempotencyKey
        self.submission = submission
    }

    /// The request without the code, as the store compares replays. The code is left out because
    /// it is a secret that must not outlive its use.
    public var fingerprint: String {
        let customer = submission.customer
        return [
            submission.paymentID.rawValue, String(submission.amount.minorUnits), submission.amount.currency.code,
            customer.email, customer.firstName, customer.lastName,
        ].map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
    }
}

/// The answer to a submission.
public struct SubmitResult: Sendable, Hashable {
    /// The attempt, new or replayed.
    public var attempt: Attempt
    /// The transition the store committed; `nil` when the idempotency key had been seen and
    /// nothing new was stored.
    public var transition: Transition?
    /// The new attempt's first tasks, leased to the submitter when it asked for a ``FollowUpLease``.
    public var followUps: [TaskClaim]

    /// A new attempt, stored by `transition`.
    public init(transition: Transition, followUps: [TaskClaim] = []) {
        self.attempt = transition.attempt
        self.transition = transition
        self.followUps = followUps
    }

    /// An attempt stored earlier under the same idempotency key.
    public init(replayOf attempt: Attempt) {
        self.attempt = attempt
        self.transition = nil
        self.followUps = []
    }

    /// Whether the idempotency key had been seen (nothing new was stored).
    public var replayed: Bool { transition == nil }
}

/// What happened to a stored webhook.
public enum WebhookReceipt: Sendable, Hashable {
    /// Stored and applied as a hint to the attempt holding the session.
    case applied(AttemptID)
    /// Stored; no attempt holds the session yet, so it waits for one.
    case parked
    /// Already stored; nothing changed.
    case duplicate
}

/// A stored webhook: what happened to it and, when it was applied, the transition.
public struct ReceivedWebhook: Sendable, Hashable {
    /// What happened to the event.
    public var receipt: WebhookReceipt
    /// The transition the hint made, with the fetch it leased; nil unless ``receipt`` is `applied`.
    public var applied: AppliedTransition?

    /// Creates a record of a stored webhook.
    public init(receipt: WebhookReceipt, applied: AppliedTransition? = nil) {
        self.receipt = receipt
        self.applied = applied
    }
}

/// A task claimed by a worker, under a lease.
public struct TaskClaim: Sendable, Hashable {
    /// The attempt the task belongs to.
    public var attemptID: AttemptID
    /// What the task does.
    public var purpose: TaskPurpose
    /// When the task fell due.
    public var dueAt: Date
    /// The worker holding the lease.
    public var owner: String
    /// The fencing token a completion presents.
    public var fence: Int64
    /// The task's generation when claimed; a reschedule meanwhile keeps the task alive.
    public var generation: Int64
    /// How often the task has been claimed.
    public var tries: Int
    /// When the lease lapses unless extended.
    public var leaseExpiresAt: Date

    /// Creates a claim.
    public init(attemptID: AttemptID, purpose: TaskPurpose, dueAt: Date, owner: String, fence: Int64, generation: Int64, tries: Int, leaseExpiresAt: Date) {
        self.attemptID = attemptID
        self.purpose = purpose
        self.dueAt = dueAt
        self.owner = owner
        self.fence = fence
        self.generation = generation
        self.tries = tries
        self.leaseExpiresAt = leaseExpiresAt
    }

    /// The task's kind; the attempt has no other pending task of it.
    public var kind: TaskKind { purpose.kind }
}

/// One input of ``PaymentStore/applyBatch(_:now:)``.
public struct BatchInput: Sendable, Hashable {
    /// What happened.
    public var input: AttemptInput
    /// The attempt it happened to.
    public var attemptID: AttemptID
    /// The claimed task the input completes, if any.
    public var claim: TaskClaim?

    /// Creates a batch item.
    public init(input: AttemptInput, attemptID: AttemptID, claim: TaskClaim? = nil) {
        self.input = input
        self.attemptID = attemptID
        self.claim = claim
    }
}

extension PaymentStore {
    /// Claims up to `limit` due tasks of any kind; see ``claimTasks(owner:dueBy:limit:pollLimit:lease:now:)``.
    public func claimTasks(owner: String, dueBy: Date, limit: Int, lease: Duration, now: Date) async throws -> [TaskClaim] {
        try await claimTasks(owner: owner, dueBy: dueBy, limit: limit, pollLimit: limit, lease: lease, now: now)
    }
}

/// A pending task's due time, as a worker's timer heap holds it.
public struct ScheduledTask: Sendable, Hashable {
    /// The attempt the task belongs to.
    public var attemptID: AttemptID
    /// The task's kind.
    public var kind: TaskKind
    /// When it falls due.
    public var dueAt: Date

    /// Creates a scheduled task.
    public init(attemptID: AttemptID, kind: TaskKind, dueAt: Date) {
        self.attemptID = attemptID
        self.kind = kind
        self.dueAt = dueAt
    }
}
