/// A transition as the store wrote it, with the follow-up tasks leased to the applying worker.
public struct AppliedTransition: Sendable, Hashable {
    /// The transition.
    public var transition: Transition
    /// The tasks the transition made due at once and leased under the requested
    /// ``FollowUpLease``: the caller runs them. Empty when no lease was asked for.
    public var followUps: [TaskClaim]

    /// Creates an applied transition.
    public init(transition: Transition, followUps: [TaskClaim] = []) {
        self.transition = transition
        self.followUps = followUps
    }
}
