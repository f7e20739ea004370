import EphemeralPostgres
import Foundation
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// Tender behind PgBouncer, configured as docs/operations.md tells an operator: in session mode
/// with nothing changed but the URL, and in transaction mode with `TENDER_DB_TRANSACTION_POOLING`
/// and the listener, the worker-id lock and migrations on a direct URL.
@Suite("Through PgBouncer", .serialized)
struct PoolerTests {
    @Test(arguments: EphemeralPgBouncer.PoolMode.allCases)
    func paymentsCompleteFailAndExpireThroughThePooler(mode: EphemeralPgBouncer.PoolMode) async throws {
        let sandbox = SandboxConfiguration(secretKey: "", bank: PaymentLifecycleTests.bank())
        try await EngineHarness.run(sandbox: sandbox, policy: PaymentLifecycleTests.shortWindowPolicy, pooler: mode) { harness in
            let paid = try await harness.submit(code: "123456")
            let declined = try await harness.submit(code: "000005")
            let silent = try await harness.submit(code: "000010")
            let final: Set<AttemptState> = [.completed, .failed, .expired]

            let completed = try await harness.waitFor(paid.id, in: final)
            #expect(completed.state == .completed)
            let sessionID = try #require(completed.sessionID)
            let session = try #require(await harness.sandbox.ledger().session(sessionID))
            #expect(session.acceptedPayCalls == 1)
            #expect(try await harness.events(of: paid.id).map(\.type) == [.awaitingConfirmation, .completed])

            let failed = try await harness.waitFor(declined.id, in: final)
            #expect(failed.state == .failed)
            #expect(failed.failure == .declined(.doNotHonor))

            let expired = try await harness.waitFor(silent.id, in: final)
            #expect(expired.state == .expired)
            #expect(expired.outcomeSource == .deadline)
            let expiry = try #require(try await harness.events(of: silent.id).last)
            #expect(expiry.type == .expired)
            #expect(expiry.asksForNewCode)

            // The pool's connections, open once it has been used, are PgBouncer's clients.
            let pooler = try #require(harness.pooler)
            #expect(try await pooler.clientCount() > 0, "the engine's pool is connected through PgBouncer")
        }
    }
}
