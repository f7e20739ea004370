import Foundation
import LibPQ
import Tender

/// The statements that persist one transition: the attempt, its history row, its task changes,
/// its outbox events and, for a completion, the payment.
struct TransitionWrites {
    /// Tasks due sooner than this after the transition are announced on the task channel.
    static let announceHorizon: TimeInterval = 1

    /// What caused a transition.
    enum Cause {
        /// A new attempt.
        case submit(SubmitRequest)
        /// An input to a stored attempt.
        case input(AttemptInput)
    }

    let transition: Transition
    let cause: Cause
    let now: Date
    /// Who takes the tasks the transition makes due at once, if anyone.
    let lease: FollowUpLease?
    /// Whether the attempt's update and the payment's completion raise ``TransitionCheck/refusal``
    /// when they miss their row, rather than leave the caller to count the rows: the writes of a
    /// transition computed from an attempt read without a lock (``OptimisticTransition``).
    let checked: Bool
    /// The statements; the first one is the attempt's write with its history row (an insert for a
    /// submission, else a versioned update that must change exactly one row).
    private(set) var statements: [PostgresStatement] = []
    /// Where in ``statements`` the follow-ups are inserted, leased (see ``followUps(in:offset:)``).
    private(set) var leasedInserts: [Int] = []

    /// The writes of a new attempt: `request` submitted to `machine` at `now`.
    init(submitting request: SubmitRequest, machine: AttemptMachine, now: Date, lease: FollowUpLease?) {
        self.init(transition: machine.submit(request.submission, now: now), cause: .submit(request), now: now, lease: lease)
    }

    /// The writes of `transition`; with a `lease`, the call or fetch it makes due at once is leased
    /// to the lease's owner and not announced to other workers.
    init(transition: Transition, cause: Cause, now: Date, lease: FollowUpLease? = nil, checked: Bool = false) {
        self.transition = transition
        self.cause = cause
        self.now = now
        self.lease = lease
        self.checked = checked
        let attempt = transition.attempt
        statements = [attemptWrite]
        var earliestTask: Date?
        var canceledKinds: [TaskKind] = []
        for (index, effect) in transition.effects.enumerated() {
            // The lease a call or fetch due now is inserted with, when nothing after it changes
            // its kind again: a follow-up its writer runs at once, announced to nobody.
            var leased: FollowUpLease?
            if let (purpose, at) = effect.scheduledTask {
                // Cancels before a task is scheduled are deleted before it, as the effects order them.
                Self.deleteTasks(of: attempt.id, canceledKinds, into: &statements)
                canceledKinds = []
                if let lease, purpose.kind == .call || purpose.kind == .fetch, at <= now {
                    leased = Self.changesAgain(purpose.kind, after: index, in: transition.effects) ? nil : lease
                } else {
                    earliestTask = min(earliestTask ?? at, at)
                }
            }
            if leased != nil {
                leasedInserts.append(statements.count)
            }
            switch effect {
            case .call(let call, let at):
                statements.append(Self.replaceTask(attempt.id, .call(call), at: at, leasedTo: leased))
            case .scheduleDeadline(let at):
                statements.append(Self.replaceTask(attempt.id, .deadline, at: at, leasedTo: nil))
            case .fetch(let reason, let at):
                statements.append(Self.coalesceFetch(attempt.id, reason, at: at, leasedTo: leased))
            case .cancel(let kind):
                canceledKinds.append(kind)
            case .emit:
                break  // the events are appended together, after the effects (eventsWrite)
            case .eraseCode:
                break  // the attempt's write stores the code as nil
            case .refundCharge(let reason, let at):
                let refund = RefundMachine.request(RefundID(), of: attempt, amount: attempt.amount, reason: reason, now: at)
                statements += RefundWrites.insert(refund, idempotencyKey: "tender-\(reason.rawValue)-\(attempt.id)", request: "", now: now)
            }
        }
        Self.deleteTasks(of: attempt.id, canceledKinds, into: &statements)
        if transition.completesPayment {
            statements.append(
                PostgresStatement(
                    checked ? Self.checkedPaymentCompletionSQL : Self.paymentCompletionSQL, [attempt.paymentID.rawValue, attempt.id.rawValue]
                ))
        }
        if let earliestTask, earliestTask.timeIntervalSince(now) < Self.announceHorizon {
            statements.append(PostgresPaymentStore.announceTask(dueAt: earliestTask))
        }
        if !transition.events.isEmpty {
            statements.append(eventsWrite)
        }
    }

    /// The transition's events appended to the outbox in the order the effects emit them. Their
    /// writer announces them once they are committed (``EventAnnouncer``).
    private var eventsWrite: PostgresStatement {
        let attempt = transition.attempt
        return PostgresStatement(
            Self.eventsInsertSQL,
            [transition.events.map(\.rawValue), attempt.paymentID.rawValue, attempt.id.rawValue, attempt.version, EventPayload(attempt), now]
        )
    }

    /// The follow-ups leased, from the results of ``statements`` placed at `offset` in a pipeline:
    /// the tasks their inserts left leased to the lease's owner.
    func followUps(in results: [PostgresRows], offset: Int) throws -> [TaskClaim] {
        guard let lease else { return [] }
        return try leasedInserts.flatMap { index in
            try results[offset + index].filter { try $0.decode(Bool.self, column: "leased") }.map { try TaskClaim(row: $0, owner: lease.owner) }
        }
    }

    /// Whether an effect after `index` schedules or cancels a task of `kind` again.
    private static func changesAgain(_ kind: TaskKind, after index: Int, in effects: [Effect]) -> Bool {
        effects[(index + 1)...].contains { effect in
            if case .cancel(let canceled) = effect {
                return canceled == kind
            }
            return effect.scheduledTask?.purpose.kind == kind
        }
    }

    private var input: AttemptInput? {
        if case .input(let input) = cause { input } else { nil }
    }

    /// The bindings of the history row's own columns (see ``recording(previousState:from:)``).
    private var historyBindings: [any PostgresEncodable] {
        [input?.name ?? "submit", (input?.source ?? .submit).rawValue, transition.note, Evidence(input: input), now]
    }

    /// Deletes the attempt's pending tasks of `kinds` in one statement, when there are any.
    private static func deleteTasks(of id: AttemptID, _ kinds: [TaskKind], into statements: inout [PostgresStatement]) {
        guard !kinds.isEmpty else { return }
        statements.append(
            PostgresStatement(
                "DELETE FROM tasks WHERE attempt_id = $1 AND kind = ANY ($2::text[])",
                [id.rawValue, kinds.map(\.rawValue)]
            ))
    }

    private var attemptWrite: PostgresStatement {
        let attempt = transition.attempt
        guard case .submit(let request) = cause else {
            // An input's transition always has a previous attempt; without one the versioned
            // update matches no row and the store refuses the transition.
            let previous = transition.previous ?? attempt
            return PostgresStatement(
                checked ? Self.checkedRecordedUpdateSQL : Self.recordedUpdateSQL,
                AttemptRow.updateBindings(from: previous, to: attempt) + [previous.state.rawValue] + historyBindings)
        }
        return PostgresStatement(
            Self.recordedInsertSQL,
            [
                attempt.id.rawValue, attempt.paymentID.rawValue, attempt.state.rawValue, attempt.stage.rawValue,
                attempt.version, attempt.amount.minorUnits, attempt.amount.currency.code, StoredCustomer(attempt.customer),
                attempt.code?.revealed, attempt.submittedAt, attempt.deadline, attempt.graceUntil,
                request.idempotencyKey, request.fingerprint, request.traceHeaders.isEmpty ? nil : PostgresJSON(request.traceHeaders),
            ] + historyBindings
        )
    }

    /// Schedules a task, replacing the attempt's pending task of its kind; with a `lease`, leases it
    /// too (``leasingInsert(conflict:ownerAt:)``).
    private static func replaceTask(_ id: AttemptID, _ purpose: TaskPurpose, at: Date, leasedTo lease: FollowUpLease?) -> PostgresStatement {
        let bindings: [any PostgresEncodable] = [id.rawValue, purpose.kind.rawValue, purpose.reason, at]
        guard let lease else { return PostgresStatement(replaceTaskSQL, bindings) }
        return PostgresStatement(leasedReplaceTaskSQL, bindings + [lease.owner, lease.duration.timeInterval])
    }

    /// Schedules a fetch, coalescing it with a pending one: the earlier due time wins, and so does
    /// the earlier fetch's reason, except that a poll takes the reason of any other fetch. With a
    /// `lease`, leases it too (``leasingInsert(conflict:ownerAt:)``).
    static func coalesceFetch(_ id: AttemptID, _ reason: FetchReason, at: Date, leasedTo lease: FollowUpLease? = nil) -> PostgresStatement {
        let purpose = TaskPurpose.fetch(reason)
        let bindings: [any PostgresEncodable] = [id.rawValue, purpose.kind.rawValue, purpose.reason, at, PostgresPaymentStore.budgetedReasons]
        guard let lease else { return PostgresStatement(coalesceFetchSQL, bindings) }
        return PostgresStatement(leasedCoalesceFetchSQL, bindings + [lease.owner, lease.duration.timeInterval])
    }

    /// The history row of the attempt that the statement's `written` returns, inserted only when
    /// the attempt's write returned it, so that the statement changes as many rows as that write:
    /// the previous state `previousState`, then the input, its source, the note, the evidence and
    /// the time, bound from `$first` on (``historyBindings``).
    private static func recording(previousState: String, from first: Int) -> String {
        let bound = (first..<(first + 5)).map { "$\($0)" }.joined(separator: ", ")
        return "INSERT INTO \(historyColumns) SELECT id, version, \(previousState), state, \(bound) FROM written"
    }

    /// A task insert (`$1` to `$4`, the conflict clause `conflict`) that leases the task it leaves
    /// to the owner bound at `$ownerAt`, for the seconds bound after it, as a claim would, unless
    /// another claim holds it: a new task is inserted leased, a pending one is leased by the
    /// conflict's update. Every row it returns tells whether it was `leased` here: its fence is
    /// the one this statement drew.
    private static func leasingInsert(conflict: String, ownerAt owner: Int) -> String {
        let held = "tasks.lease_owner IS NOT NULL"
        return """
            INSERT INTO tasks (attempt_id, kind, reason, due_at, lease_owner, lease_expires_at, fence, tries)
            VALUES ($1, $2, $3, $4, $\(owner), \(PostgresPaymentStore.leaseExpiry("$\(owner + 1)")), nextval('task_fences'), 1)
            \(conflict),
                lease_owner = CASE WHEN \(held) THEN tasks.lease_owner ELSE EXCLUDED.lease_owner END,
                lease_expires_at = CASE WHEN \(held) THEN tasks.lease_expires_at ELSE EXCLUDED.lease_expires_at END,
                fence = CASE WHEN \(held) THEN tasks.fence ELSE EXCLUDED.fence END,
                tries = CASE WHEN \(held) THEN tasks.tries ELSE tasks.tries + 1 END
            RETURNING *, fence = currval('task_fences') AS leased
            """
    }

    /// The columns an outbox row is inserted with.
    static let outboxColumns = "outbox (type, payment_id, attempt_id, version, payload, created_at)"

    /// The columns a history row is inserted with.
    static let historyColumns = "attempt_history (attempt_id, version, from_state, to_state, input, source, note, evidence, at)"

    // The statements of a transition, their texts built once: a text built for every statement
    // cost the engine string building, and the prepared-statement cache a hash of a new string.
    private static let eventsInsertSQL = """
        INSERT INTO \(outboxColumns)
        SELECT type, $2, $3, $4, $5, $6 FROM unnest($1::text[]) WITH ORDINALITY AS emitted (type, position) ORDER BY position
        """
    private static let recordedInsertSQL = """
        WITH written AS (
            INSERT INTO attempts (id, payment_id, state, stage, version, amount, currency, customer, blik_code,
                submitted_at, deadline, grace_until, idempotency_key, request, trace_context)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
            RETURNING id, version, state
        )
        \(recording(previousState: "NULL", from: 16))
        """
    private static let recordedUpdateSQL =
        "WITH written AS (\(AttemptRow.updateSQL) RETURNING id, version, state) \(recording(previousState: "$14", from: 15))"
    private static let checkedRecordedUpdateSQL =
        "WITH written AS (\(AttemptRow.updateSQL) RETURNING id, version, state), recorded AS (\(recording(previousState: "$14", from: 15)) RETURNING 1) "
        + TransitionCheck.expecting("(SELECT count(*) = 1 FROM recorded)", what: "the attempt")
    private static let replaceTaskSQL = "INSERT INTO tasks (attempt_id, kind, reason, due_at) VALUES ($1, $2, $3, $4) \(replacing)"
    private static let coalesceFetchSQL =
        "INSERT INTO tasks (attempt_id, kind, reason, due_at) VALUES ($1, $2, $3, $4) \(coalescing(budgetedReasons: "$5"))"
    private static let leasedReplaceTaskSQL = leasingInsert(conflict: replacing, ownerAt: 5)
    private static let leasedCoalesceFetchSQL = leasingInsert(conflict: coalescing(budgetedReasons: "$5"), ownerAt: 6)
    private static let paymentCompletionSQL = "UPDATE payments SET completed_attempt_id = $2 WHERE id = $1 AND completed_attempt_id IS NULL"
    private static let checkedPaymentCompletionSQL = TransitionCheck.expectingOneRow(
        paymentCompletionSQL, what: "the first completion of the payment")

    /// The conflict clause of a task insert that replaces the attempt's pending task of its kind.
    static let replacing = """
        ON CONFLICT (attempt_id, kind) DO UPDATE SET
            reason = EXCLUDED.reason, due_at = EXCLUDED.due_at, generation = tasks.generation + 1
        """

    /// The conflict clause of a fetch insert that coalesces with a pending fetch (see
    /// ``coalesceFetch(_:_:at:)``); `reasons` is the parameter bound to ``PostgresPaymentStore/budgetedReasons``.
    static func coalescing(budgetedReasons reasons: String) -> String {
        """
        ON CONFLICT (attempt_id, kind) DO UPDATE SET
            reason = CASE
                WHEN EXCLUDED.due_at < tasks.due_at THEN EXCLUDED.reason
                WHEN tasks.reason = ANY (\(reasons)) AND NOT EXCLUDED.reason = ANY (\(reasons)) THEN EXCLUDED.reason
                ELSE tasks.reason
            END,
            due_at = LEAST(tasks.due_at, EXCLUDED.due_at),
            generation = tasks.generation + 1
        """
    }
}

/// What the history keeps of an input: enough to audit the decision, never a secret.
struct Evidence: JSONObjectEncodable {
    var sessionID: String?
    var sessionStatus: String?
    var call: String?
    var fetchReason: String?
    var error: String?
    var eventID: String?
    var eventType: String?
    var resolution: String?
    var operatorName: String?
    var forced: Bool?

    init(input: AttemptInput?) {
        switch input {
        case .sessionCreated(let session), .payAnswered(let session):
            sessionID = session.id
            sessionStatus = session.status.rawValue
        case .callFailed(let call, let error):
            self.call = call.rawValue
            self.error = error.description
        case .fetched(let session, let reason):
            sessionID = session.id
            sessionStatus = session.status.rawValue
            fetchReason = reason.rawValue
        case .fetchFailed(let reason, let error):
            fetchReason = reason.rawValue
            self.error = error.description
        case .webhookHint(let hint):
            sessionID = hint.sessionID
            eventID = hint.eventID
            eventType = hint.type
        case .resolvedByOperator(let resolved):
            resolution = "\(resolved.state.rawValue): \(resolved.reason)"
            operatorName = resolved.operatorName
            sessionStatus = resolved.gatewayStatus?.rawValue
            forced = resolved.forced
        case .canceledByOperator(let action):
            resolution = "canceled: \(action.reason)"
            operatorName = action.operatorName
        case .deadlineReached, .cancelRequested, nil:
            break
        }
    }

    func write(to object: inout JSONObjectWriter) {
        object.add("session_id", sessionID)
        object.add("session_status", sessionStatus)
        object.add("call", call)
        object.add("fetch_reason", fetchReason)
        object.add("error", error)
        object.add("event_id", eventID)
        object.add("event_type", eventType)
        object.add("resolution", resolution)
        object.add("operator", operatorName)
        object.add("forced", forced)
    }
}

/// The body of an outbox event beyond its columns.
struct EventPayload: JSONObjectEncodable {
    var state: String
    var failure: String?
    var asksForNewCode: Bool
    var late: Bool
    var duplicate: Bool
    var sessionID: String?
    /// The attempt's amount, or the refund's; absent from events stored before events carried it.
    var amount: Int64?
    var currency: String?
    var refundID: String?
    var refundState: String?

    init(_ attempt: Attempt) {
        state = attempt.state.rawValue
        failure = attempt.failure?.description
        asksForNewCode = attempt.state == .expired || (attempt.failure?.asksForNewCode ?? false)
        late = attempt.late
        duplicate = attempt.duplicate
        sessionID = attempt.sessionID
        amount = attempt.amount.minorUnits
        currency = attempt.amount.currency.code
    }

    /// The event of a refund that became final; only a completed attempt is refunded.
    init(_ refund: Refund, of attempt: RefundedAttempt) {
        state = AttemptState.completed.rawValue
        asksForNewCode = false
        late = attempt.late
        duplicate = attempt.duplicate
        sessionID = attempt.sessionID
        amount = refund.amount.minorUnits
        currency = refund.amount.currency.code
        refundID = refund.id.description
        refundState = refund.state.rawValue
    }

    /// The members' names, which the outbox's read extracts.
    enum Key: String {
        case state, failure
        case asksForNewCode = "asks_for_new_code"
        case late, duplicate
        case sessionID = "session_id"
        case amount, currency
        case refundID = "refund_id"
        case refundState = "refund_state"
    }

    func write(to object: inout JSONObjectWriter) {
        object.add(Key.state.rawValue, state)
        object.add(Key.failure.rawValue, failure)
        object.add(Key.asksForNewCode.rawValue, asksForNewCode)
        object.add(Key.late.rawValue, late)
        object.add(Key.duplicate.rawValue, duplicate)
        object.add(Key.sessionID.rawValue, sessionID)
        object.add(Key.amount.rawValue, amount)
        object.add(Key.currency.rawValue, currency)
        object.add(Key.refundID.rawValue, refundID)
        object.add(Key.refundState.rawValue, refundState)
    }
}
