import Tender

extension EngineConfiguration {
    /// An engine configuration for tests: `policy`, a sweep every 250 ms and a poll budget no test
    /// reaches; `webhookURL` and `leaseDuration` when given, the defaults otherwise.
    public static func forTests(policy: AttemptPolicy, webhookURL: String? = nil, leaseDuration: Duration? = nil) -> EngineConfiguration {
        var configuration = EngineConfiguration()
        configuration.policy = policy
        configuration.webhookURL = webhookURL
        configuration.sweepInterval = .milliseconds(250)
        if let leaseDuration { configuration.leaseDuration = leaseDuration }
        configuration.pollBudget = 1000
        return configuration
    }
}
