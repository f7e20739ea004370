import Foundation

extension Duration {
    /// The duration in seconds, as Foundation measures time.
    public var timeInterval: TimeInterval {
        let (seconds, attoseconds) = components
        return TimeInterval(seconds) + TimeInterval(attoseconds) / 1e18
    }
}

/// Date arithmetic with `Duration`s.
extension Date {
    /// The date `duration` after `date`.
    public static func + (date: Date, duration: Duration) -> Date {
        date.addingTimeInterval(duration.timeInterval)
    }
}
