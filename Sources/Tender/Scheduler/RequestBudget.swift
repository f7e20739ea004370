import Foundation

/// A token bucket that keeps gateway requests within a rate: each request takes a token, and
/// tokens refill at `rate` per second up to `burst`. The scheduler takes tokens before it claims
/// polls, so a poll never holds a call slot while it waits for the budget. It reads no clock: the
/// time is passed in.
struct RequestBudget {
    private let rate: Double
    private let burst: Double
    private var tokens: Double
    private var refilledAt: Date

    /// Creates a full budget of `rate` requests per second with bursts of up to `burst`.
    init(rate: Double, burst: Int, now: Date) {
        self.rate = rate
        self.burst = Double(burst)
        self.tokens = Double(burst)
        self.refilledAt = now
    }

    /// Takes as many whole tokens as there are at `now`, up to `wanted`, and returns how many it took.
    mutating func take(upTo wanted: Int, now: Date) -> Int {
        refill(now: now)
        let taken = max(0, min(wanted, Int(tokens)))
        tokens -= Double(taken)
        return taken
    }

    /// Gives back tokens taken but not used.
    mutating func giveBack(_ count: Int) {
        tokens = min(burst, tokens + Double(count))
    }

    /// When the next whole token is there, counted from the last refill.
    var nextToken: Date {
        tokens >= 1 ? refilledAt : refilledAt.addingTimeInterval((1 - tokens) / rate)
    }

    /// Adds the tokens earned since the last refill; a clock that stepped back earns none.
    private mutating func refill(now: Date) {
        tokens = min(burst, tokens + max(0, now.timeIntervalSince(refilledAt)) * rate)
        refilledAt = now
    }
}
