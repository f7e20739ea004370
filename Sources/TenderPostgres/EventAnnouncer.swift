import LibPQ
import Logging
import Metrics
import NIOConcurrencyHelpers

/// Tells other processes sharing the database that this process appended outbox events, with a
/// `NOTIFY` on ``PostgresPaymentStore/eventChannel``.
///
/// A `NOTIFY` inside the appending transaction holds PostgreSQL's notification lock from just
/// before that transaction's commit until the commit is flushed, so appending transactions that
/// each carried one would commit one after the other. A notice sent after the commits, in a
/// transaction of its own, serialises nothing, but its transaction counts as a write. So each
/// appending write asks for an ``EventNotice``:
/// - while no ``run()`` runs, or when no write carried a notice for ``spacing``, the write
///   carries its own: a write alone in its few milliseconds waits for no other's commit;
/// - otherwise the write leaves its notice to the run once it has committed. The run sends one
///   notice for every write that committed while the previous notice was on its way or since, and
///   one every ``spacing`` at most.
///
/// A deferred notice is lost if the process stops between a commit and its notice. Readers in
/// other processes then find the events when they look again
/// (``Tender/PaymentEngine/outboxRecheckInterval``), as after a notice the listener missed while
/// it reconnected.
final class EventAnnouncer: Sendable {
    private struct State {
        var nextRunID = 0
        /// Each running ``run()``'s requests, keyed by the run.
        var requests: [Int: AsyncStream<Void>.Continuation] = [:]
        /// When a write last carried its notice while a run ran.
        var lastCarried: ContinuousClock.Instant?
    }

    private let pool: PostgresPool
    private let logger: Logger
    private let state = NIOLockedValueBox(State())
    /// Notices sent by the runs (`tender_event_notices_total`): against the writes that append
    /// events, how well they coalesce.
    private let notices: Counter

    /// The counter's label.
    static let noticesLabel = "tender_event_notices_total"

    /// The least time between two notices of a run, and between two writes that carry their own
    /// while a run runs.
    let spacing: Duration

    /// An announcer that sends its notices over `pool` and counts them in `metricsFactory`.
    init(pool: PostgresPool, logger: Logger, metricsFactory: any MetricsFactory, spacing: Duration = .milliseconds(5)) {
        self.pool = pool
        self.logger = logger
        notices = Counter(label: Self.noticesLabel, factory: metricsFactory)
        self.spacing = spacing
    }

    /// Whether a ``run()`` sends the deferred notices (for tests).
    var isRunning: Bool {
        state.withLockedValue { !$0.requests.isEmpty }
    }

    /// How a write that appends events announces them; ask once the write is known to append.
    func notice() -> EventNotice {
        let now = ContinuousClock.now
        return state.withLockedValue { state in
            guard !state.requests.isEmpty else { return .carried }
            if let last = state.lastCarried, last.duration(to: now) < spacing {
                return .deferred
            }
            state.lastCarried = now
            return .carried
        }
    }

    /// Announces the events of a committed write that carried no notice. Hands the notice to the
    /// running ``run()``, or sends it when none runs (any more).
    func announce() async {
        let handedOver = state.withLockedValue { state in
            for request in state.requests.values {
                request.yield()
            }
            return !state.requests.isEmpty
        }
        if !handedOver {
            await send()
        }
    }

    /// Sends the deferred notices until the calling task is cancelled.
    func run() async {
        let (requests, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = state.withLockedValue { state in
            defer { state.nextRunID += 1 }
            state.requests[state.nextRunID] = continuation
            return state.nextRunID
        }
        defer {
            _ = state.withLockedValue { $0.requests.removeValue(forKey: id) }
        }
        for await _ in requests {
            await send()
            // The announcements made meanwhile wait, and the next notice answers them all.
            try? await Task.sleep(for: spacing)
        }
    }

    /// Sends one notice. A failure is not the announcer's caller's: its events are committed, and
    /// readers elsewhere find them when they look again.
    private func send() async {
        do {
            try await pool.query(Self.noticeSQL, [PostgresPaymentStore.eventChannel])
            notices.increment()
        } catch {
            logger.debug("could not announce new outbox events; other processes find them when they look again", metadata: ["error": "\(error)"])
        }
    }

    /// A notice in a transaction of its own, which commits without waiting for its commit record's
    /// flush: it writes nothing a crash could lose.
    static let noticeSQL = "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')"
}
