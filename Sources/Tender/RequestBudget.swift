import Foundation

/// A token bucket that keeps gateway requests within a rate: each request takes a token, tokens
/// refill at `rate` per second up to `burst`, and a request without a token waits for one.
actor RequestBudget {
    private let rate: Double
    private let burst: Double
    private var tokens: Double
    private var refilledAt: ContinuousClock.Instant

    /// Creates a budget of `rate` requests per second with bursts of up to `burst`.
    init(rate: Double, burst: Int) {
        self.rate = rate
        self.burst = Double(burst)
        self.tokens = Double(burst)
        self.refilledAt = .now
    }

    /// Waits until a request may be made, and takes its token.
    func take() async {
        while true {
            let now = ContinuousClock.now
            let elapsed = refilledAt.duration(to: now).timeInterval
            tokens = min(burst, tokens + elapsed * rate)
            refilledAt = now
            if tokens >= 1 {
                tokens -= 1
                return
            }
            let wait = (1 - tokens) / rate
            try? await Task.sleep(for: .milliseconds(Int(wait * 1000) + 1))
            if Task.isCancelled { return }
        }
    }
}
