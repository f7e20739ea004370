import Logging
import TenderConvergeGate

/// Logs refused webhooks at most once a minute, with how many were refused meanwhile: anyone can
/// send a forged webhook, so a line per refusal would let anyone fill the log.
actor WebhookRejectionLog {
    private var throttle = LogThrottle(interval: .seconds(60))

    /// Notes a refusal, and logs it unless one was logged within the interval.
    func rejected(_ rejection: WebhookRejection, logger: Logger) {
        guard let held = throttle.admit(at: .now) else { return }
        logger.notice("webhook rejected", metadata: ["reason": "\(rejection)", "rejected_since_last_line": "\(held)"])
    }
}
