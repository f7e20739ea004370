/// Lets one log line through per interval and counts the ones it holds back, so that a flood of
/// refused requests cannot fill the log. Metrics still count every request.
struct LogThrottle: Sendable {
    /// The shortest time between two lines.
    let interval: Duration
    private var quietUntil: ContinuousClock.Instant?
    private var held = 0

    /// A throttle letting one line through per `interval`.
    init(interval: Duration) {
        self.interval = interval
    }

    /// Whether a line may be logged at `now`: `nil` to hold it back, else how many lines were
    /// held back since the last one.
    mutating func admit(at now: ContinuousClock.Instant) -> Int? {
        if let quietUntil, now < quietUntil {
            held += 1
            return nil
        }
        defer {
            held = 0
            quietUntil = now + interval
        }
        return held
    }
}
