/// A distribution of delays the sandbox draws from: how long the payer takes to confirm, how late a
/// webhook arrives, how slow an endpoint answers.
///
/// Build one with ``fixed(_:)``, ``uniform(_:)`` or ``weighted(_:)``. Samples are drawn with the
/// sandbox's seeded generator, so a run with a fixed ``SandboxConfiguration/seed`` repeats itself.
public struct DelayDistribution: Sendable, Hashable {
    /// One range of a weighted distribution.
    public struct Band: Sendable, Hashable {
        /// The relative weight of this band (any non-negative number).
        public var weight: Double
        /// The delays of this band, drawn uniformly.
        public var range: ClosedRange<Duration>

        /// Creates a band of `range` drawn with relative `weight`.
        public init(weight: Double, range: ClosedRange<Duration>) {
            self.weight = weight
            self.range = range
        }
    }

    /// The bands; a delay is drawn by picking a band by weight, then a delay uniformly inside it.
    public var bands: [Band]

    /// Always the same delay.
    public static func fixed(_ delay: Duration) -> DelayDistribution {
        DelayDistribution(bands: [Band(weight: 1, range: delay...delay)])
    }

    /// A delay drawn uniformly from `range`.
    public static func uniform(_ range: ClosedRange<Duration>) -> DelayDistribution {
        DelayDistribution(bands: [Band(weight: 1, range: range)])
    }

    /// A delay drawn from bands by weight, e.g. 80 % in 40...60 s and 20 % in 60...90 s.
    public static func weighted(_ bands: [Band]) -> DelayDistribution {
        DelayDistribution(bands: bands)
    }

    /// No delay at all.
    public static let zero = DelayDistribution.fixed(.zero)

    /// Draws one delay.
    func sample(using generator: inout some RandomNumberGenerator) -> Duration {
        let total = self.bands.reduce(0) { $0 + max($1.weight, 0) }
        guard total > 0, var chosen = self.bands.first else { return .zero }
        var pick = Double.random(in: 0..<total, using: &generator)
        for band in self.bands where band.weight > 0 {
            chosen = band
            if pick < band.weight { break }
            pick -= band.weight
        }
        let lower = chosen.range.lowerBound.seconds
        let upper = chosen.range.upperBound.seconds
        guard upper > lower else { return chosen.range.lowerBound }
        return .seconds(Double.random(in: lower...upper, using: &generator))
    }
}

extension Duration {
    /// This duration in (fractional) seconds.
    var seconds: Double {
        let parts = self.components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// This duration multiplied by `factor` (never negative).
    func scaled(by factor: Double) -> Duration {
        .seconds(max(self.seconds * factor, 0))
    }
}
