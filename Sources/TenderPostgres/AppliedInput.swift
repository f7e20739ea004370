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
    init(
        _ input: AttemptInput, to attempt: Attempt, context: PaymentContext, machine: AttemptMachine,
        completion: PostgresStatement?, lease: FollowUpLease? = nil, now: Date
    ) {
        let computed = machine.transition(attempt, input, context: context, now: now)
        let completions = completion.map { [$0] } ?? []
        updateIndex = completions.count
        if let poll = QuietPoll(computed, of: input, now: now) {
            transition = poll.stored(computed, now: now)
            writes = nil
            statements = completions + QuietPollWrites(poll, of: attempt, now: now).statements
        } else {
            transition = computed
            let writes = TransitionWrites(transition: computed, cause: .input(input), now: now, lease: lease)
            self.writes = writes
            statements = completions + writes.statements
        }
    }

    /// The follow-ups leased by the writes, read from the answers to ``statements`` sent from
    /// their start.
    func followUps(in written: [PostgresRows]) throws -> [TaskClaim] {
        try writes?.followUps(in: written, offset: updateIndex) ?? []
    }
}
