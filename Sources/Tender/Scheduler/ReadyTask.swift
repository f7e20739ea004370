/// A task in flight, ready to run, with its attempt as the transition that leased it left it or
/// as the claim read it (so running it needs no read), or nil when the attempt must be read.
public struct ReadyTask: Sendable, Hashable {
    /// The claim.
    public var claim: TaskClaim
    /// The attempt as its transition left it or its claim read it, when known.
    public var attempt: Attempt?

    /// A task claimed under `claim`, with its `attempt` when known.
    public init(claim: TaskClaim, attempt: Attempt? = nil) {
        self.claim = claim
        self.attempt = attempt
    }
}
