import Metrics
import NIOConcurrencyHelpers

/// A tiny in-process metrics backend for the demo: it keeps every timer sample and counter total
/// the engine reports, so the summary can show deadline lateness and webhook results.
final class DemoMetrics: MetricsFactory {
    /// A metric's label and dimensions, e.g. `tender_task_lateness_seconds{kind=deadline}`.
    struct Key: Hashable, Sendable {
        var label: String
        var dimensions: [String]

        init(label: String, dimensions: [(String, String)]) {
            self.label = label
            self.dimensions = dimensions.map { "\($0.0)=\($0.1)" }.sorted()
        }

        /// The value of dimension `name`, if present.
        func dimension(_ name: String) -> String? {
            dimensions.first { $0.hasPrefix(name + "=") }.map { String($0.dropFirst(name.count + 1)) }
        }
    }

    private struct Values {
        var timers: [Key: [Int64]] = [:]
        var counters: [Key: Int64] = [:]
    }

    private let values = NIOLockedValueBox(Values())

    /// Timer samples in seconds, by key, for keys with `label`.
    func timerSeconds(_ label: String) -> [Key: [Double]] {
        values.withLockedValue { values in
            values.timers.filter { $0.key.label == label }.mapValues { $0.map { Double($0) / 1e9 } }
        }
    }

    /// Counter totals, by key, for keys with `label`.
    func counters(_ label: String) -> [Key: Int64] {
        values.withLockedValue { values in values.counters.filter { $0.key.label == label } }
    }

    fileprivate func record(_ key: Key, nanoseconds: Int64) {
        values.withLockedValue { $0.timers[key, default: []].append(nanoseconds) }
    }

    fileprivate func add(_ key: Key, _ amount: Int64) {
        values.withLockedValue { $0.counters[key, default: 0] += amount }
    }

    fileprivate func reset(_ key: Key) {
        values.withLockedValue { $0.counters[key] = 0 }
    }

    func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        DemoCounter(metrics: self, key: Key(label: label, dimensions: dimensions))
    }

    func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        NOOPMetricsHandler.instance
    }

    func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        DemoTimer(metrics: self, key: Key(label: label, dimensions: dimensions))
    }

    func destroyCounter(_ handler: any CounterHandler) {}
    func destroyRecorder(_ handler: any RecorderHandler) {}
    func destroyTimer(_ handler: any TimerHandler) {}
}

private final class DemoCounter: CounterHandler {
    let metrics: DemoMetrics
    let key: DemoMetrics.Key

    init(metrics: DemoMetrics, key: DemoMetrics.Key) {
        self.metrics = metrics
        self.key = key
    }

    func increment(by amount: Int64) { metrics.add(key, amount) }
    func reset() { metrics.reset(key) }
}

private final class DemoTimer: TimerHandler {
    let metrics: DemoMetrics
    let key: DemoMetrics.Key

    init(metrics: DemoMetrics, key: DemoMetrics.Key) {
        self.metrics = metrics
        self.key = key
    }

    func recordNanoseconds(_ duration: Int64) { metrics.record(key, nanoseconds: duration) }
}
