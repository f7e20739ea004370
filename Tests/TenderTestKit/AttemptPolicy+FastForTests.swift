import Tender

extension AttemptPolicy {
    /// Timings compressed for tests: a 3 s window to confirm, polls every 300 ms, and sessions that
    /// stop taking payment 30 s after the deadline.
    public static var fastForTests: AttemptPolicy {
        var policy = AttemptPolicy()
        policy.confirmationWindow = .seconds(3)
        policy.firstPollDelay = .milliseconds(200)
        policy.pollInterval = .milliseconds(300)
        policy.gracePeriod = .seconds(6)
        policy.gracePollInterval = .milliseconds(400)
        policy.retryBackoff = .milliseconds(100)
        policy.maximumRetryBackoff = .milliseconds(400)
        policy.sessionLifetimeBeyondDeadline = .seconds(30)
        return policy
    }
}
