import Tender

extension AttemptPolicy {
    /// Timings compressed for tests: polls every 300 ms, grace polls for 6 s after the deadline, and
    /// sessions that stop taking payment 30 s after it. The window to confirm is 20 s: far more
    /// than a payment needs even on a loaded machine, so a test expecting a completion or a decline
    /// never sees an expiry instead. A test that wants an expiry shortens it, with codes whose
    /// outcome does not depend on how fast the engine ran.
    public static var fastForTests: AttemptPolicy {
        var policy = AttemptPolicy()
        policy.confirmationWindow = .seconds(20)
        policy.firstPollDelay = .milliseconds(200)
        policy.pollInterval = .milliseconds(300)
        policy.gracePeriod = .seconds(6)
        policy.gracePollInterval = .milliseconds(400)
        policy.retryBackoff = .milliseconds(100)
        policy.maximumRetryBackoff = .milliseconds(400)
        policy.sessionLifetimeBeyondDeadline = .seconds(30)
        policy.refundPollInterval = .milliseconds(200)
        return policy
    }
}
