import LibPQ
import Logging
import Metrics
import Synchronization

/// Tells other processes sharing the database that this process appended outbox events: a
/// `NOTIFY` on ``PostgresPaymentStore/eventChannel``, sent once the appending transaction has
/// committed.
///
/// A `NOTIFY` inside the appending transaction holds PostgreSQL's notification lock from just
/// before that transaction's commit until the commit is flushed, so every appending transaction
/// of every process would commit one after the other. Sent afterwards, in a transaction of its own
/// that writes nothing durable, one notice stands for every transaction that committed while the
/// previous notice was on its way or since: while ``run()`` runs, announcements coalesce into one
/// notice every ``spacing`` at most. When nothing runs it, each announcement sends its own notice.
///
/// A notice is lost if the process stops between a commit and its notice. Readers in other
/// processes then find the events when they look again (``Tender/PaymentEngine/outboxRecheckInterval``),
/// as they do after a notice the listener missed while it reconnected.
final class EventAnnouncer: Sendable {
    private struct Runs {
        var nextID = 0
        /// Each running ``run()``'s requests, keyed by the run.
        var requests: [Int: AsyncStream<Void>.Continuation] = [:]
    }

    private let pool: PostgresPool
    private let logger: Logger
    private let runs = Mutex(Runs())
    /// Notices sent (`tender_event_notices_total`): against the transitions that append events,
    /// how well they coalesce.
    private let notices: Counter

    /// The counter's label.
    static let noticesLabel = "tender_event_notices_total"

    /// An announcer that sends its notices over `pool` and counts them in `metricsFactory`.
    init(pool: PostgresPool, logger: Logger, metricsFactory: any MetricsFactory) {
        self.pool = pool
        self.logger = logger
        notices = Counter(label: Self.noticesLabel, factory: metricsFactory)
    }

    /// Whether a ``run()`` sends the notices.
    var isRunning: Bool {
        runs.withLock { !$0.requests.isEmpty }
    }

    /// Announces the events a transaction of this process appended; call it once the transaction
    /// has committed. Hands the notice to the running ``run()`` if there is one, or sends it.
    func announce() async {
        let handedOver = runs.withLock { runs in
            for request in runs.requests.values {
                request.yield()
            }
            return !runs.requests.isEmpty
        }
        if !handedOver {
            await send()
        }
    }

    /// Sends the notices of ``announce()`` until the calling task is cancelled.
    func run() async {
        let (requests, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let id = runs.withLock { runs in
            defer { runs.nextID += 1 }
            runs.requests[runs.nextID] = continuation
            return runs.nextID
        }
        defer {
            _ = runs.withLock { $0.requests.removeValue(forKey: id) }
        }
        for await _ in requests {
            await send()
            // The announcements made meanwhile wait, and the next notice answers them all.
            try? await Task.sleep(for: Self.spacing)
        }
    }

    /// The least time between two notices of a run: with one notice every few milliseconds at
    /// most, the notices' transactions stay a small share of the commits at any rate of writes,
    /// and an announcement after a quiet spell goes out at once.
    static let spacing: Duration = .milliseconds(5)

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

    /// The notice, in a transaction that commits without waiting for its commit record's flush:
    /// it writes nothing a crash could lose.
    static let noticeSQL = "SELECT set_config('synchronous_commit', 'off', true), pg_notify($1, '')"
}
