/// A task in flight, ready to run, with the attempt as the transition that leased it left it
/// (so running it needs no read), or nil when it was claimed and the attempt must be read.
struct ReadyTask: Sendable, Hashable {
    /// The claim.
    var claim: TaskClaim
    /// The attempt as its transition left it, when known.
    var attempt: Attempt?
}
