import Metrics

/// The counters of writes sent in one round trip whose checks failed, so that they were made
/// again under locks (`tender_writes_retried_total`, labelled by `write`). A few mean workers
/// raced for one attempt; a steady share means an engine acting on a stale view of its attempts.
struct RetriedWrites: Sendable {
    /// The counter's label.
    static let label = "tender_writes_retried_total"

    /// Submissions (`submitAtOnce`) left to the locking path: replays, conflicts and refusals.
    let submissions: Counter
    /// Task transitions (``OptimisticTransition``) left to the locking path.
    let transitions: Counter

    /// Both counters, registered at zero in `factory`.
    init(factory: any MetricsFactory) {
        submissions = Counter(label: Self.label, dimensions: [("write", "submission")], factory: factory)
        transitions = Counter(label: Self.label, dimensions: [("write", "transition")], factory: factory)
    }
}
