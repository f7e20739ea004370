import Foundation
import LibPQ
import Tender

/// One input applied to an attempt read under its lock: the transition the engine's machine
/// computes and the statements that persist it, the claimed task's completion first. The single
/// transition and the batch both apply inputs through this; they differ only in how they lock
/// and when they send.
struct AppliedInput {
    /// What the machine decided, as stored (a quiet poll keeps the attempt's version).
    let transition: Transition
    /// The transition's writes; nil for a quiet poll, which leases nothing.
    let writes: TransitionWrites?
    /// The statements to send, in order.
    let statements: [PostgresStatement]
    /// Where in ``statements`` the attempt's versioned update stands; it must touch exactly one row.
    let updateIndex: Int

    /// Whether the input was a ``QuietPoll``, written without a version, history row or event.
    var isQuietPoll: Bool { writes == nil }

    /// Applies `input` to `attempt`.
    /// - Parameters:
    ///   - completion: the statement that finishes the claimed task, whose fence was checked.
    ///   - lease: who takes the follow-ups the transition makes due at once, if anyone.
    ///   - checked: whether the writes check that the attempt and payment did not move
    ///     (``TransitionWrites/checked``).
    init(
        _ input: AttemptInput, to attempt: Attempt, context: PaymentContext, machine: AttemptMachine,
        completion: PostgresStatement?, lease: FollowUpLease? = nil, now: Date, checked: Bool = false
    ) {
        let (transition, quietPoll) = Self.transition(of: input, to: attempt, context: context, machine: machine, now: now)
        self.init(transition, quietPoll: quietPoll, of: input, to: attempt, completion: completion, lease: lease, now: now, checked: checked)
    }

    /// Applies `input` to `attempt` as the machine's `transition`, as stored, and the quiet poll it
    /// is, if any, were computed already (``transition(of:to:context:machine:now:)``).
    init(
        _ transition: Transition, quietPoll: QuietPoll?, of input: AttemptInput, to attempt: Attempt, completion: PostgresStatement?,
        lease: FollowUpLease? = nil, now: Date, checked: Bool = false
    ) {
        self.transition = transition
        let completions = completion.map { [$0] } ?? []
        updateIndex = completions.count
        if let quietPoll {
            writes = nil
            statements = completions + QuietPollWrites(quietPoll, of: attempt, now: now).statements
        } else {
            let writes = TransitionWrites(transition: transition, cause: .input(input), now: now, lease: lease, checked: checked)
            self.writes = writes
            statements = completions + writes.statements
        }
    }

    /// The machine's transition for `input` as it is stored, and the ``QuietPoll`` it is, if any.
    static func transition(
        of input: AttemptInput, to attempt: Attempt, context: PaymentContext, machine: AttemptMachine, now: Date
    ) -> (Transition, QuietPoll?) {
        let computed = machine.transition(attempt, input, context: context, now: now)
        guard let quietPoll = QuietPoll(computed, of: input, now: now) else { return (computed, nil) }
        return (quietPoll.stored(computed, now: now), quietPoll)
    }

    /// The follow-ups leased by the writes, read from the answers to ``statements`` sent from
    /// their start.
    func followUps(in written: [PostgresRows]) throws -> [TaskClaim] {
        try writes?.followUps(in: written, offset: updateIndex) ?? []
    }
}
