import Crypto
import Foundation
import Tracing

/// How a ``PaymentEngine`` runs. The defaults suit one worker beside a BLIK shop.
public struct EngineConfiguration: Sendable {
    /// This worker's name in task leases; unique among workers sharing a database. A worker
    /// refuses to run while another live worker holds its id.
    public var workerID: String = "worker-\(UUID().uuidString.prefix(8).lowercased())"
    /// How long a starting worker waits for an earlier process of its id to let go of it (the
    /// database notices a killed process's connection closing within moments).
    public var workerIDWait: Duration = .seconds(10)
    /// The timings and choices applied to every attempt.
    public var policy = AttemptPolicy()
    /// Where the gateway should send webhooks for the sessions this engine opens.
    public var webhookURL: String?
    /// The most gateway calls in flight at once; keep the gateway client's connection pool at least
    /// this large, or calls queue for a connection. Polls take at most three quarters of them: the
    /// rest are kept for the calls a payer or a webhook waits on.
    public var maximumConcurrentCalls = 32
    /// The most tasks claimed in one round trip: calls and polls (within the room for calls); and
    /// the most deadlines claimed and fired in one transaction, which make no call.
    public var claimBatchSize = 128
    /// How long a claim is held before another worker may take it over; extended while it runs.
    public var leaseDuration: Duration = .seconds(30)
    /// How often the store is swept for tasks this worker was not told about.
    public var sweepInterval: Duration = .seconds(1)
    /// How far ahead the sweep loads due times into the timer heap.
    public var lookahead: Duration = .seconds(2)
    /// Gateway reads per second allowed for polls, so polling stays within the gateway's limits.
    public var pollBudget: Double = 50
    /// How long the answer of a poll (``FetchReason/poll``, ``FetchReason/gracePoll``) waits for
    /// the answers of other attempts' polls, to be written with them in one transaction. Polls
    /// falling due together then cost one write instead of one each; an outcome a poll learns is
    /// written at most this much later. Webhook, verification and final-poll fetches are written
    /// at once. `.zero` writes each poll's answer on its own.
    public var pollBatchWindow: Duration = .milliseconds(20)
    /// The most poll answers written in one transaction; a batch this full is written at once.
    public var pollBatchSize = 100
    /// What the worker prunes, and when.
    public var retention = RetentionPolicy()
    /// The key of the hash of each code kept with its submission (``CodeDigest``), so the same
    /// idempotency key with another code is refused as a conflict. Every worker sharing a database
    /// needs the same key; `tender worker` derives it from the gateway's secret key. When `nil`,
    /// codes are left out of the comparison and such a submission replays the first.
    public var codeDigestKey: SymmetricKey?

    /// Where the engine's spans go: a submission, each task, each gateway call, each transition and
    /// each webhook; `nil` for the process's (`InstrumentationSystem`). With the default no-op
    /// tracer, nothing is traced and no trace context is stored.
    public var tracer: (any Tracer)?

    /// The defaults.
    public init() {}
}
