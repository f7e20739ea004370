/// A lease a transition takes, in its own transaction, on the follow-up tasks it makes due at once
/// (the next gateway call, a fetch), so that the worker applying it runs them straight away
/// instead of claiming them in a transaction of their own.
public struct FollowUpLease: Sendable, Hashable {
    /// The worker that will run the follow-ups.
    public var owner: String
    /// How long the lease lasts unless extended.
    public var duration: Duration

    /// Creates a lease request.
    public init(owner: String, duration: Duration) {
        self.owner = owner
        self.duration = duration
    }
}
