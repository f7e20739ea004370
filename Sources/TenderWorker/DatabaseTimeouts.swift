import LibPQ

/// How long Tender waits on PostgreSQL before it gives up: on a connection, a peer that vanished
/// without closing it, a statement, a lock, or a transaction left idle. Without them a worker cut
/// off mid-transaction would keep its row locks until the server's TCP keepalive gave up, about two
/// hours, and every other worker's transition of those payments would wait behind them.
public struct DatabaseTimeouts: Sendable, Hashable {
    /// How long establishing a connection may take. Default 5 s.
    public var connect: Duration = .seconds(5)
    /// How long sent data may stay unacknowledged, and an idle connection unanswered by keepalive
    /// probes, before the connection counts as lost. Default 20 s.
    public var peerSilence: Duration = .seconds(20)
    /// How long one statement may run. Default 30 s.
    public var statement: Duration = .seconds(30)
    /// How long a statement may wait for a lock. Default 10 s.
    public var lock: Duration = .seconds(10)
    /// How long a transaction may sit idle before the server ends the session. Default 30 s.
    public var idleInTransaction: Duration = .seconds(30)

    /// The defaults.
    public init() {}

    /// `configuration` with these timeouts, except those its connection string sets itself.
    public func applied(to configuration: PostgresConfiguration) -> PostgresConfiguration {
        let silence = Self.milliseconds(peerSilence)
        // Keepalive probes start after a third of the silence and, three probes later, give up
        // within it; tcp_user_timeout bounds data sent but never acknowledged.
        let probeStart = max(1, silence / 3000)
        let probeInterval = max(1, silence / 9000)
        return configuration.withDefaults([
            "connect_timeout": "\(max(2, Self.milliseconds(connect) / 1000))",
            "keepalives": "1",
            "keepalives_idle": "\(probeStart)",
            "keepalives_interval": "\(probeInterval)",
            "keepalives_count": "3",
            "tcp_user_timeout": "\(silence)",
        ])
        .withSessionParameters([
            "statement_timeout": "\(Self.milliseconds(statement))",
            "lock_timeout": "\(Self.milliseconds(lock))",
            "idle_in_transaction_session_timeout": "\(Self.milliseconds(idleInTransaction))",
        ])
    }

    private static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
