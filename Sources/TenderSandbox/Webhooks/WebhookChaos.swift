/// How the sandbox delivers webhooks, and how it misbehaves doing so.
///
/// Every delay here is multiplied by ``SandboxConfiguration/timeScale``, except the per-request
/// ``requestTimeout``.
public struct WebhookChaos: Sendable, Hashable {
    /// When failed deliveries are tried again: a few quick retries, then exponential backoff.
    public struct RetryPolicy: Sendable, Hashable {
        /// Quick retries after the first failed attempt. Default 4.
        public var quickRetries: Int
        /// The delay before each quick retry. Default 1 s.
        public var quickRetryDelay: Duration
        /// The first backoff delay after the quick retries; each next one doubles. Default 30 s.
        public var backoffBase: Duration
        /// The longest backoff delay. Default 1 h.
        public var backoffCap: Duration
        /// No attempt is made later than this after the first one. Default 3 days.
        public var giveUpAfter: Duration

        /// Creates a retry policy; the defaults follow the gateway's documentation.
        public init(
            quickRetries: Int = 4,
            quickRetryDelay: Duration = .seconds(1),
            backoffBase: Duration = .seconds(30),
            backoffCap: Duration = .seconds(3600),
            giveUpAfter: Duration = .seconds(3 * 24 * 3600)
        ) {
            self.quickRetries = quickRetries
            self.quickRetryDelay = quickRetryDelay
            self.backoffBase = backoffBase
            self.backoffCap = backoffCap
            self.giveUpAfter = giveUpAfter
        }

        /// The delay before attempt number `attempt + 1`, after attempt `attempt` (1-based) failed.
        func delay(after attempt: Int) -> Duration {
            if attempt <= self.quickRetries { return self.quickRetryDelay }
            let exponent = min(attempt - self.quickRetries - 1, 30)
            let backoff = self.backoffBase.seconds * Double(1 << exponent)
            return .seconds(min(backoff, self.backoffCap.seconds))
        }
    }

    /// Whether `session.created` is sent when a session is created. Default `true`.
    public var sendsCreatedEvent: Bool
    /// The share of events (0...1) never delivered at all. Default 0.
    public var dropRate: Double
    /// The share of events (0...1) delivered twice (same event id). Default 0.
    public var duplicateRate: Double
    /// How long after the original the duplicate is sent. Default 0.1...2 s.
    public var duplicateDelay: DelayDistribution
    /// The share of events (0...1) delivered late. Default 0.
    public var delayRate: Double
    /// How late a delayed event is. Default 5...30 s.
    public var extraDelay: DelayDistribution
    /// The share of `session.created` events (0...1) held back until the session's
    /// `session.completed` or `session.expired` has been sent, so they arrive out of order.
    /// Default 0.
    public var reorderRate: Double
    /// The retry policy for deliveries that fail or answer non-2xx.
    public var retry: RetryPolicy
    /// How long one delivery attempt may take (real time, not scaled). Default 10 s.
    public var requestTimeout: Duration

    /// Creates webhook behaviour; the defaults deliver every event once, at once.
    public init(
        sendsCreatedEvent: Bool = true,
        dropRate: Double = 0,
        duplicateRate: Double = 0,
        duplicateDelay: DelayDistribution = .uniform(.milliseconds(100) ... .seconds(2)),
        delayRate: Double = 0,
        extraDelay: DelayDistribution = .uniform(.seconds(5) ... .seconds(30)),
        reorderRate: Double = 0,
        retry: RetryPolicy = RetryPolicy(),
        requestTimeout: Duration = .seconds(10)
    ) {
        self.sendsCreatedEvent = sendsCreatedEvent
        self.dropRate = dropRate
        self.duplicateRate = duplicateRate
        self.duplicateDelay = duplicateDelay
        self.delayRate = delayRate
        self.extraDelay = extraDelay
        self.reorderRate = reorderRate
        self.retry = retry
        self.requestTimeout = requestTimeout
    }
}
