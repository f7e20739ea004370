import Foundation

/// A token bucket that keeps gateway requests within a rate: each request takes a token, and
/// tokens refill at `rate` per second up to `burst`. The scheduler takes tokens before it claims
/// polls, so a poll never holds a call slot while it waits for the budget.
struct RequestBudget {
    private let rate: Double
    private let burst: Double
    private var tokens: Double
    private var refilledAt: ContinuousClock.Instant

    /// Creates a budget of `rate` requests per second with bursts of up to `burst`.
    init(rate: Double, burst: Int, now: ContinuousClock.Instant = .now) {
        self.rate = rate
        self.burst = Double(burst)
        self.tokens = Double(burst)
        self.refilledAt = now
    }

    /// Takes as many whole tokens as there are, up to `wanted`, and returns how many it took.
    mutating func take(upTo wanted: Int, now: ContinuousClock.Instant = .now) -> Int {
        refill(now: now)
        let taken = max(0, min(wanted, Int(tokens)))
        tokens -= Double(taken)
        return taken
    }

    /// Gives back tokens taken but not used.
    mutating func giveBack(_ count: Int) {
        tokens = min(burst, tokens + Double(count))
    }

    /// How long until the next whole token, from the last refill.
    var untilNextToken: Duration {
        tokens >= 1 ? .zero : .seconds((1 - tokens) / rate)
    }

    private mutating func refill(now: ContinuousClock.Instant) {
        tokens = min(burst, tokens + refilledAt.duration(to: now).timeInterval * rate)
        refilledAt = now
    }
}
