import ArgumentParser
import Foundation

/// A duration on the command line: a number with a unit, `90s`, `2m`, `1h`, `1d` (or plain
/// seconds, `90`).
struct PaymentsDurationArgument: ExpressibleByArgument, Sendable {
    var duration: Duration
    /// As written, e.g. `2m`.
    var text: String

    init(_ duration: Duration) {
        self.duration = duration
        self.text = "\(duration.components.seconds)s"
    }

    init?(argument: String) {
        let text = argument.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(suffix: String, seconds: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        let unit = units.first { text.hasSuffix($0.suffix) && Double(text.dropLast($0.suffix.count)) != nil } ?? ("", 1)
        guard let value = Double(text.dropLast(unit.suffix.count)), value >= 0, value.isFinite else { return nil }
        duration = .milliseconds(Int64((value * unit.seconds * 1000).rounded()))
        self.text = argument
    }

    var defaultValueDescription: String { text }
}
