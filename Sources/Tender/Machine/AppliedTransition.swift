/// A transition as the store wrote it, with the follow-up tasks leased to the applying worker.
public struct AppliedTransition: Sendable, Hashable {
    /// The transition. For a quiet poll, its attempt is as stored: the version unchanged and the
    /// poll counted.
    public var transition: Transition
    /// The tasks the transition made due at once and leased under the requested
    /// ``FollowUpLease``: the caller runs them. Empty when no lease was asked for.
    public var followUps: [TaskClaim]
    /// Whether the store wrote the transition as a ``QuietPoll``: no version, history row or event.
    public var isQuietPoll: Bool

    /// Creates an applied transition.
    public init(transition: Transition, followUps: [TaskClaim] = [], isQuietPoll: Bool = false) {
        self.transition = transition
        self.followUps = followUps
        self.isQuietPoll = isQuietPoll
    }
}
