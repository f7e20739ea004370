import Foundation
import LibPQ
import Tender

/// The writes of a batch's independent transitions as a handful of set-based statements over bound
/// arrays, one per kind of write however many transitions there are, instead of each transition's
/// own statements. Each statement does for every row what ``TransitionWrites`` or
/// ``QuietPollWrites`` does for one, and per attempt in the same order: the claimed task's
/// completion, the attempt, its history row, its task changes, its events, its payment, the
/// announcements.
///
/// Only what ``accepts(_:)`` is added, each attempt once: a transition that gives an attempt its
/// session (whose parked webhooks are replayed next), that requests a refund, or that touches one
/// task kind twice (whose order the set statements would lose) keeps its own statements.
struct BatchWrites {
    /// Tasks named by attempt and kind.
    private struct TaskKeys {
        var attemptIDs: [UUID] = []
        var kinds: [String] = []

        mutating func append(_ id: AttemptID, _ kind: TaskKind) {
            attemptIDs.append(id.rawValue)
            kinds.append(kind.rawValue)
        }
    }

    /// Tasks to schedule.
    private struct ScheduledTasks {
        var keys = TaskKeys()
        var reasons: [String] = []
        var dueTimes: [Date] = []

        mutating func append(_ id: AttemptID, _ purpose: TaskPurpose, at: Date) {
            keys.append(id, purpose.kind)
            reasons.append(purpose.reason)
            dueTimes.append(at)
        }

        var isEmpty: Bool { reasons.isEmpty }
    }

    /// The time of the transitions.
    let now: Date
    /// The completed tasks and those the transitions cancel, deleted by one statement before the
    /// release. A task both released and canceled ends deleted either way.
    private var deletedTasks = TaskKeys()
    private var releasedTasks = TaskKeys()
    private var moves: [(transition: Transition, input: AttemptInput)] = []
    private var quietPolls: [Attempt] = []
    private var replacedTasks = ScheduledTasks()
    private var coalescedFetches = ScheduledTasks()
    private var events: [(type: OrderEventType, attempt: Attempt)] = []
    private var completedPayments: [Attempt] = []
    private var announcements: Set<Date> = []

    /// Empty writes for transitions made at `now`.
    init(now: Date) {
        self.now = now
    }

    /// Whether `transition` can be written with the others.
    static func accepts(_ transition: Transition) -> Bool {
        guard transition.attempt.sessionID == nil || transition.previous?.sessionID != nil else { return false }
        var kinds = Set<TaskKind>()
        for effect in transition.effects {
            switch effect {
            case .refundCharge:
                return false
            case .cancel(let kind):
                guard kinds.insert(kind).inserted else { return false }
            case .call, .fetch, .scheduleDeadline:
                guard let task = effect.scheduledTask, kinds.insert(task.purpose.kind).inserted else { return false }
            case .emit, .eraseCode:
                continue
            }
        }
        return true
    }

    /// Finishes a claimed task whose fence was checked, as
    /// ``PostgresPaymentStore/completion(of:sameGeneration:)`` does.
    mutating func complete(_ claim: TaskClaim, sameGeneration: Bool) {
        if sameGeneration {
            deletedTasks.append(claim.attemptID, claim.kind)
        } else {
            releasedTasks.append(claim.attemptID, claim.kind)
        }
    }

    /// Adds a transition that ``accepts(_:)``, caused by `input`.
    mutating func add(_ transition: Transition, of input: AttemptInput) {
        let attempt = transition.attempt
        moves.append((transition, input))
        var earliestTask: Date?
        for effect in transition.effects {
            if let task = effect.scheduledTask {
                earliestTask = min(earliestTask ?? task.dueAt, task.dueAt)
            }
            switch effect {
            case .call(let call, let at): replacedTasks.append(attempt.id, .call(call), at: at)
            case .scheduleDeadline(let at): replacedTasks.append(attempt.id, .deadline, at: at)
            case .fetch(let reason, let at): coalescedFetches.append(attempt.id, .fetch(reason), at: at)
            case .cancel(let kind): deletedTasks.append(attempt.id, kind)
            case .emit(let type): events.append((type, attempt))
            case .eraseCode, .refundCharge: break  // the attempt's update erases the code; refunds are not accepted
            }
        }
        if transition.completesPayment {
            completedPayments.append(attempt)
        }
        announce(earliestTask)
    }

    /// Adds a quiet poll of `attempt` as it was stored.
    mutating func add(_ poll: QuietPoll, of attempt: Attempt) {
        quietPolls.append(attempt)
        coalescedFetches.append(attempt.id, .fetch(poll.reason), at: poll.nextPollAt)
        announce(poll.nextPollAt)
    }

    private mutating func announce(_ dueAt: Date?) {
        if let dueAt, dueAt.timeIntervalSince(now) < TransitionWrites.announceHorizon {
            announcements.insert(dueAt)
        }
    }

    /// The statements, and for each versioned update of attempts (by its index) how many rows it
    /// must touch.
    func statements() -> (statements: [PostgresStatement], updates: [Int: Int]) {
        var statements: [PostgresStatement] = []
        var updates: [Int: Int] = [:]
        if !deletedTasks.kinds.isEmpty {
            statements.append(Self.delete(deletedTasks))
        }
        if !releasedTasks.kinds.isEmpty {
            statements.append(
                PostgresStatement(
                    PostgresPaymentStore.releasing(
                        "FROM unnest($1::uuid[], $2::text[]) AS c (attempt_id, kind) WHERE t.attempt_id = c.attempt_id AND t.kind = c.kind"),
                    [releasedTasks.attemptIDs, releasedTasks.kinds]
                ))
        }
        if !moves.isEmpty {
            updates[statements.count] = moves.count
            statements.append(AttemptRow.updateEvery(moves.map(\.transition)))
            statements.append(historyWrite)
        }
        if !quietPolls.isEmpty {
            updates[statements.count] = quietPolls.count
            statements.append(QuietPollWrites.count(quietPolls, now: now))
        }
        if !replacedTasks.isEmpty {
            statements.append(Self.insert(replacedTasks, TransitionWrites.replacing))
        }
        if !coalescedFetches.isEmpty {
            statements.append(Self.insert(coalescedFetches, TransitionWrites.coalescing(budgetedReasons: "$5"), PostgresPaymentStore.budgetedReasons))
        }
        if !events.isEmpty {
            statements.append(eventWrite)
        }
        if !completedPayments.isEmpty {
            statements.append(
                PostgresStatement(
                    """
                    UPDATE payments p SET completed_attempt_id = c.attempt_id
                    FROM unnest($1::text[], $2::uuid[]) AS c (payment_id, attempt_id)
                    WHERE p.id = c.payment_id AND p.completed_attempt_id IS NULL
                    """,
                    [completedPayments.map(\.paymentID.rawValue), completedPayments.map(\.id.rawValue)]
                ))
        }
        if !announcements.isEmpty {
            statements.append(PostgresPaymentStore.announceTasks(dueAt: announcements.sorted()))
        }
        return (statements, updates)
    }

    private var historyWrite: PostgresStatement {
        PostgresStatement(
            """
            INSERT INTO \(TransitionWrites.historyColumns)
            SELECT h.attempt_id, h.version, h.from_state, h.to_state, h.input, h.source, h.note, h.evidence::jsonb, $9
            FROM unnest($1::uuid[], $2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
                AS h (attempt_id, version, from_state, to_state, input, source, note, evidence)
            """,
            [
                moves.map(\.transition.attempt.id.rawValue), moves.map(\.transition.attempt.version),
                moves.map { $0.transition.previous?.state.rawValue }, moves.map(\.transition.attempt.state.rawValue),
                moves.map(\.input.name), moves.map(\.input.source.rawValue), moves.map(\.transition.note),
                moves.map { Evidence(input: $0.input).jsonText }, now,
            ]
        )
    }

    private var eventWrite: PostgresStatement {
        PostgresStatement(
            """
            INSERT INTO \(TransitionWrites.outboxColumns)
            SELECT e.type, e.payment_id, e.attempt_id, e.version, e.payload::jsonb, $6
            FROM unnest($1::text[], $2::text[], $3::uuid[], $4::int8[], $5::text[]) WITH ORDINALITY
                AS e (type, payment_id, attempt_id, version, payload, n)
            ORDER BY e.n
            """,
            [
                events.map(\.type.rawValue), events.map(\.attempt.paymentID.rawValue), events.map(\.attempt.id.rawValue),
                events.map(\.attempt.version),
                events.map { EventPayload($0.attempt).jsonText }, now,
            ]
        )
    }

    private static func delete(_ tasks: TaskKeys) -> PostgresStatement {
        PostgresStatement(
            """
            DELETE FROM tasks t USING unnest($1::uuid[], $2::text[]) AS c (attempt_id, kind)
            WHERE t.attempt_id = c.attempt_id AND t.kind = c.kind
            """,
            [tasks.attemptIDs, tasks.kinds]
        )
    }

    /// Inserts `tasks`, resolving a conflict with a pending task of the kind by `conflict`, whose
    /// further parameters from `$5` on are `extra`.
    private static func insert(_ tasks: ScheduledTasks, _ conflict: String, _ extra: any PostgresEncodable...) -> PostgresStatement {
        PostgresStatement(
            """
            INSERT INTO tasks (attempt_id, kind, reason, due_at)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[]) \(conflict)
            """,
            [tasks.keys.attemptIDs, tasks.keys.kinds, tasks.reasons, tasks.dueTimes] + extra
        )
    }
}
