import Foundation

/// The timings and choices that shape every attempt. The defaults suit BLIK: payers confirm within
/// 40–90 seconds and a code lives two minutes.
public struct AttemptPolicy: Sendable, Hashable {
    /// How long the payer has to confirm before the attempt expires.
    public var confirmationWindow: Duration = .seconds(90)
    /// How long after the gateway took the code the first poll is made.
    public var firstPollDelay: Duration = .seconds(5)
    /// The time between polls while the payer confirms.
    public var pollInterval: Duration = .seconds(4)
    /// The grid polls fall due on: a poll's due time is moved up to the next multiple of this step
    /// (since 1970), so the polls of attempts started moments apart fall due together, are claimed
    /// in one transaction and have their answers written in one batch
    /// (``EngineConfiguration/pollBatchWindow``). A poll is made up to one step later than its
    /// interval asks, never after the deadline. Default `.zero`: no grid, each poll due exactly
    /// its interval after the last.
    public var pollGrid: Duration = .zero
    /// How long an expired session is still polled for a late completion.
    public var gracePeriod: Duration = .seconds(15 * 60)
    /// The time between polls of an expired session.
    public var gracePollInterval: Duration = .seconds(60)
    /// The first backoff after a retryable gateway failure; it doubles with every further one.
    public var retryBackoff: Duration = .milliseconds(500)
    /// The longest backoff between retries.
    public var maximumRetryBackoff: Duration = .seconds(10)
    /// How long after the deadline the gateway should stop accepting payment of the session.
    /// Default none: the session expires at the deadline, so once the order system has been told
    /// to ask for a new code the old one can no longer be confirmed (and charged). Grace polls
    /// still catch a completion the gateway accepted before its expiry and reported late.
    public var sessionLifetimeBeyondDeadline: Duration = .zero
    /// Whether a duplicate charge, and the charge of an attempt the order system had canceled, are
    /// refunded automatically. Default on: a payer charged twice, or charged for what the shop
    /// gave up on, gets the money back unless the operator says otherwise.
    public var refundsDuplicates: Bool = true
    /// How long after the gateway accepted a refund it is first read back to learn whether it
    /// settled; later reads back off, doubling up to 64 times this.
    public var refundPollInterval: Duration = .seconds(5)

    /// The defaults.
    public init() {}

    /// How long after the deadline an expired session is polled: the grace period, but never less
    /// than the session's remaining life plus one poll, so that a payment the gateway can still
    /// complete is always seen.
    public var graceAfterDeadline: Duration {
        max(gracePeriod, sessionLifetimeBeyondDeadline + gracePollInterval)
    }

    /// `date` moved up to the next point of the ``pollGrid``; `date` itself without a grid.
    public func onPollGrid(_ date: Date) -> Date {
        let step = pollGrid.timeInterval
        guard step > 0 else { return date }
        return Date(timeIntervalSince1970: (date.timeIntervalSince1970 / step).rounded(.up) * step)
    }

    /// The backoff before retry number `retries` (1-based).
    public func backoff(afterRetries retries: Int) -> Duration {
        let exponent = min(max(retries - 1, 0), 16)
        let delay = retryBackoff * (1 << exponent)
        return min(delay, maximumRetryBackoff)
    }
}
