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
        // A wake-up at ``time(ofTokensEarnedIn:)`` finds the tokens it waited for: a date in seconds since
        // 1970 rounds to a fraction of a microsecond, which must not cost a whole token.
        let taken = max(0, min(wanted, Int(tokens + 0.001)))
        tokens -= Double(taken)
        return taken
    }

    /// Gives back tokens taken but not used.
    mutating func giveBack(_ count: Int) {
        tokens = min(burst, tokens + Double(count))
    }

    /// When the whole tokens the budget earns in `span` (at least one, at most a full bucket) are
    /// there, counted from the last refill.
    func time(ofTokensEarnedIn span: Duration) -> Date {
        let missing = tokens(earnedIn: span) - tokens
        return missing <= 0 ? refilledAt : refilledAt.addingTimeInterval(missing / rate)
    }

    /// Whether the whole tokens the budget earns in `span` (at least one, at most a full bucket)
    /// are there at `now`, as ``take(upTo:now:)`` would count them.
    func hasTokens(earnedIn span: Duration, at now: Date) -> Bool {
        min(burst, tokens + max(0, now.timeIntervalSince(refilledAt)) * rate) + 0.001 >= tokens(earnedIn: span)
    }

    /// The whole tokens earned in `span`: at least one, at most a full bucket.
    private func tokens(earnedIn span: Duration) -> Double {
        min(Double(max(1, Int(rate * span.timeInterval))), burst)
    }

    /// Adds the tokens earned since the last refill; a clock that stepped back earns none.
    private mutating func refill(now: Date) {
        tokens = min(burst, tokens + max(0, now.timeIntervalSince(refilledAt)) * rate)
        refilledAt = now
    }
}
