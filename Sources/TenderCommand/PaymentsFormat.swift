import Foundation
import Tender

/// How the operator commands write times and attempts.
enum PaymentsFormat {
    /// A UTC timestamp with milliseconds, e.g. `2025-05-01 12:00:03.250Z`.
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS'Z'"
        return formatter.string(from: date)
    }

    /// A short age, e.g. `42s`, `3m05s`, `2h10m`.
    static func age(since date: Date, now: Date = Date()) -> String {
        let seconds = max(0, Int(now.timeIntervalSince(date)))
        if seconds < 60 { return "\(seconds)s" }
        if seconds < 3600 { return String(format: "%dm%02ds", seconds / 60, seconds % 60) }
        return String(format: "%dh%02dm", seconds / 3600, seconds % 3600 / 60)
    }

    /// `yes` or empty, for flag columns.
    static func flag(_ value: Bool) -> String {
        value ? "yes" : ""
    }

    /// One line describing a transition: `attempt ID: from → to (version N): note`.
    static func transition(_ transition: Transition) -> String {
        let from = transition.previous?.state.rawValue ?? "-"
        return "attempt \(transition.attempt.id): \(from) -> \(transition.attempt.state.rawValue) "
            + "(version \(transition.attempt.version)): \(transition.note)"
    }
}
