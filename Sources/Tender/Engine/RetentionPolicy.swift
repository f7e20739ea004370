/// How long a worker keeps what finished payments no longer need, and how it prunes it.
public struct RetentionPolicy: Sendable, Hashable {
    /// How long after its outcome an attempt keeps its history, its events and its webhook bodies.
    /// Default 90 days.
    public var finishedAttempts: Duration = .seconds(90 * 86_400)
    /// How long a webhook for a session no attempt holds waits for one. Default a day.
    public var parkedWebhooks: Duration = .seconds(86_400)
    /// The most rows one pruning transaction touches.
    public var batchSize = 500
    /// How often a worker looks for something to prune.
    public var interval: Duration = .seconds(60)

    /// The defaults.
    public init() {}
}
