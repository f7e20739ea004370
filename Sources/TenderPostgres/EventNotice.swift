import LibPQ

/// How the events one write appends are announced (see ``EventAnnouncer``).
enum EventNotice: Sendable {
    /// By a `NOTIFY` among the write's statements, delivered by the write's commit.
    case carried
    /// By the announcer, once the write has committed.
    case deferred

    /// What the write sends before its commit to announce its events.
    var statements: [PostgresStatement] {
        switch self {
        case .carried: [PostgresStatement("SELECT pg_notify($1, '')", [PostgresPaymentStore.eventChannel])]
        case .deferred: []
        }
    }

    /// What the writer does once its write has committed.
    func committed(announcedBy announcer: EventAnnouncer) async {
        if case .deferred = self {
            await announcer.announce()
        }
    }
}
