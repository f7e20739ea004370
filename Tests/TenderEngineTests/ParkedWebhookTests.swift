import Foundation
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// Webhooks about sessions no attempt holds: kept, never applied, never about money.
@Suite("Parked webhooks")
struct ParkedWebhookTests {
    /// The gateway opens the session but holds the answer past the deadline (the database being
    /// down while the answer waits to be recorded has the same effect): the attempt expires without
    /// a session, the session's events stay parked in the inbox, and the session is never paid,
    /// because a code is only ever sent to a session the attempt holds. The outage test once
    /// counted such events as "acknowledged but never processed".
    @Test func sessionOpenedAfterItsAttemptExpiredIsParkedAndNeverPaid() async throws {
        var policy = AttemptPolicy.fastForTests
        policy.confirmationWindow = .seconds(3)
        let sandbox = SandboxConfiguration(
            secretKey: "", endpoints: [.create: EndpointChaos(acceptThenTimeoutRate: 1, timeoutDelay: .seconds(30))]
        )
        try await EngineHarness.run(sandbox: sandbox, policy: policy) { harness in
            let submitted = try await harness.submit()
            let expired = try await harness.waitFor(submitted.id, in: [.expired, .failed, .completed])
            #expect(expired.state == .expired)
            #expect(expired.sessionID == nil)

            let parked = try await harness.waitUntil {
                try await harness.store.pool.query("SELECT count(*) FROM webhook_inbox").first?.decode(Int64.self, at: 0) ?? 0 > 0
            }
            #expect(parked, "waiting for the session's created event")
            let rows = try await harness.store.pool.query(
                """
                SELECT i.session_id, i.processed_at IS NULL AS unprocessed, a.id IS NULL AS unheld
                FROM webhook_inbox i LEFT JOIN attempts a ON a.session_id = i.session_id
                """)
            #expect(try rows.allSatisfy { try $0.decode(Bool.self, column: "unprocessed") && $0.decode(Bool.self, column: "unheld") })

            let ledger = await harness.sandbox.ledger()
            #expect(ledger.sessions.count == 1)
            #expect(ledger.sessions.allSatisfy { $0.payCalls == 0 && $0.status != .completed })
            #expect(ledger.charges.isEmpty)
            #expect(try Set(rows.map { try $0.decode(String.self, column: "session_id") }) == Set(ledger.sessions.map(\.id)))
        }
    }
}
