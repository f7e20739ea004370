/// Work the sandbox does later: the bank's timers, refund settlement and webhook deliveries.
/// Each runs as a child task of ``ConvergeGateSandbox/run()`` after its delay.
struct SandboxJob: Sendable {
    enum Kind: Sendable {
        /// The payer confirms in the bank app.
        case confirm(sessionID: String, generation: Int)
        /// The payer gave up; the session expires.
        case abandon(sessionID: String, generation: Int)
        /// A pending refund settles.
        case settleRefund(refundID: String)
        /// One attempt to deliver a webhook.
        case deliver(WebhookDelivery)
    }

    let kind: Kind
    /// How long to wait before doing it (already scaled).
    let delay: Duration
}

/// One webhook delivery: an event on its way to one URL, with its retry state.
struct WebhookDelivery: Sendable {
    let eventID: String
    let type: SandboxEventType
    let sessionID: String
    let url: String
    let body: [UInt8]
    /// 1 for the first attempt, then counting retries.
    var attempt: Int
    /// When the first attempt was made.
    var firstAttemptAt: ContinuousClock.Instant?
    /// Whether finishing the first attempt releases events of the session held back for
    /// reordering.
    let releasesHeldEvents: Bool
}
