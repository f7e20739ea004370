/// Misbehaviour of one gateway endpoint.
///
/// The delays here are real time: they are *not* multiplied by
/// ``SandboxConfiguration/timeScale``, because they are meant to be compared with the client's own
/// (real) timeouts.
public struct EndpointChaos: Sendable, Hashable {
    /// The share of requests (0...1) answered with a 500 `api_error` without being applied.
    /// Default 0.
    public var serverErrorRate: Double
    /// Latency added to every request before it is handled. Default none.
    public var latency: DelayDistribution
    /// The share of requests (0...1) that are slow: they wait ``slowDelay`` before being handled.
    /// Default 0.
    public var slowRate: Double
    /// How long a slow request waits. Default 2 s.
    public var slowDelay: DelayDistribution
    /// The share of requests (0...1) that are applied and then answered only after
    /// ``timeoutDelay`` — long enough for the client to give up, so it cannot know the outcome.
    /// Default 0.
    public var acceptThenTimeoutRate: Double
    /// How long an accepted-then-timed-out request holds its answer. Default 30 s.
    public var timeoutDelay: Duration
    /// The share of requests (0...1) sent with an `Idempotency-Key` that are answered 409 without
    /// being applied, as if an earlier request under the key were still being handled (Stripe's
    /// `idempotency_key_in_use`). Default 0.
    public var keyInUseRate: Double

    /// Creates endpoint chaos; the defaults are a well-behaved endpoint.
    public init(
        serverErrorRate: Double = 0,
        latency: DelayDistribution = .zero,
        slowRate: Double = 0,
        slowDelay: DelayDistribution = .fixed(.seconds(2)),
        acceptThenTimeoutRate: Double = 0,
        timeoutDelay: Duration = .seconds(30),
        keyInUseRate: Double = 0
    ) {
        self.serverErrorRate = serverErrorRate
        self.latency = latency
        self.slowRate = slowRate
        self.slowDelay = slowDelay
        self.acceptThenTimeoutRate = acceptThenTimeoutRate
        self.timeoutDelay = timeoutDelay
        self.keyInUseRate = keyInUseRate
    }

    /// A well-behaved endpoint.
    public static let none = EndpointChaos()
}
