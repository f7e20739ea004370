import Tender
import TenderPostgres

/// Everything a transition of one attempt may touch.
struct StoreSnapshot: Equatable {
    var attempt: Attempt?
    var history: [HistoryRow]
    var tasks: [TaskKind: TaskRow]
    var outbox: Int
    var completedPayments: Int

    init(_ fixture: StoreFixture, _ id: AttemptID) async throws {
        attempt = try await fixture.store.attempt(id)
        history = try await fixture.history(id)
        tasks = try await fixture.tasks(id)
        outbox = try await fixture.count("outbox")
        completedPayments = try await fixture.scalar("SELECT count(*) FROM payments WHERE completed_attempt_id IS NOT NULL")
    }
}
