import Foundation
import Tender

/// How the console writes times, ages and links.
enum ConsoleFormat {
    /// A time in UTC, e.g. `2026-12-04 14:20:01`; `-` for none.
    static func time(_ date: Date?) -> String {
        guard let date else { return "-" }
        let c = Calendar.utc.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
    }

    /// A duration as a person reads it, e.g. `42 s`, `3 min 5 s`, `2 h 10 min`.
    static func age(_ seconds: TimeInterval) -> String {
        let whole = Int(seconds.rounded(.down))
        switch whole {
        case ..<60: return "\(max(whole, 0)) s"
        case ..<3600: return "\(whole / 60) min \(whole % 60) s"
        default: return "\(whole / 3600) h \(whole % 3600 / 60) min"
        }
    }

    /// Lateness in milliseconds, e.g. `3.2 ms`.
    static func milliseconds(_ seconds: TimeInterval) -> String {
        String(format: "%.1f ms", seconds * 1000)
    }

    /// The console's page of a payment.
    static func link(to paymentID: PaymentID) -> String {
        "/console/payments/" + pathComponent(paymentID.rawValue)
    }

    /// `text` percent-encoded for one path component or query value.
    static func pathComponent(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }
}

extension Calendar {
    fileprivate static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? .current
        return calendar
    }()
}
