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
