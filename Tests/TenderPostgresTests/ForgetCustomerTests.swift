import Foundation
import LibPQ
import Tender
import TenderPostgres
import Testing

@Suite("Forgetting a customer")
struct ForgetCustomerTests {
    static let email = "zofia.zapomniana@example.pl"
    static let lastName = "Zapomniana"

    @Test("forgetting leaves no trace of the payer's name or e-mail in any column, and keeps ids, amounts and outcomes")
    func forgetLeavesNoTrace() async throws {
        try await StoreFixture.with { fixture in
            let request = SubmitRequest(
                idempotencyKey: "forget-1",
                submission: AttemptMachine.Submission(
                    paymentID: PaymentID(rawValue: "order-forget"), amount: try Money(minorUnits: 4_200, currency: .pln),
                    customer: try Customer(email: Self.email, firstName: "Zofia", lastName: Self.lastName), code: try BLIKCode("777123")
                )
            )
            let attempt = try await fixture.store.submit(request, machine: fixture.machine, now: t0).attempt
            let error = await #expect(throws: StoreError.self) { try await fixture.store.forgetCustomer(of: PaymentID(rawValue: "order-forget")) }
            #expect(error?.code == .attemptInFlight, "the gateway still needs the customer")

            // The payment completes; the gateway's webhook about it echoes the payer.
            var now = t0
            while let claim = try await fixture.store.claimTasks(owner: "w1", dueBy: now, limit: 1, lease: .seconds(30)).first {
                let input: AttemptInput =
                    switch claim.purpose {
                    case .call(.createSession): .sessionCreated(session(.open, amount: 4_200))
                    case .call(.pay): .payAnswered(session(.open, amount: 4_200))
                    default: .fetched(session(.completed, amount: 4_200), .poll)
                    }
                try await fixture.store.apply(input, to: attempt.id, machine: fixture.machine, completing: claim, now: now)
                now = try await fixture.store.upcomingTasks(dueBy: now + 3_600, limit: 1).first?.dueAt ?? now
            }
            let hint = WebhookHint(eventID: "evt_forget", type: "checkout.session.completed", sessionID: "cs_test", createdAt: now)
            let body = #"{"customer_email": "\#(Self.email)", "customer_lastname": "\#(Self.lastName)"}"#
            _ = try await fixture.store.receiveWebhook(hint, body: Array(body.utf8), machine: fixture.machine, now: now)
            #expect(try await fixture.store.attempt(attempt.id)?.state == .completed)
            #expect(try await Self.columnsMentioning(Self.lastName, in: fixture).isEmpty == false, "the scan finds the name before")

            #expect(try await fixture.store.forgetCustomer(of: PaymentID(rawValue: "order-forget")) == 1)
            for trace in [Self.email, Self.lastName, "zapomniana"] {
                let found = try await Self.columnsMentioning(trace, in: fixture)
                #expect(found.isEmpty, "\(trace) still in \(found)")
            }
            let record = try #require(try await fixture.store.payment(PaymentID(rawValue: "order-forget")))
            #expect(record.amount.minorUnits == 4_200 && record.state == .completed)
            #expect(record.attempts.map(\.id) == [attempt.id])
            #expect(record.attempts.allSatisfy { $0.customer.isErased && $0.state == .completed && $0.sessionID == "cs_test" })

            let replay = await #expect(throws: StoreError.self) { try await fixture.store.submit(request, machine: fixture.machine, now: now) }
            #expect(replay?.code == .idempotencyConflict)
        }
    }

    @Test("forgetting an unknown payment is refused")
    func unknownPayment() async throws {
        try await StoreFixture.with { fixture in
            let error = await #expect(throws: StoreError.self) { try await fixture.store.forgetCustomer(of: PaymentID(rawValue: "nobody")) }
            #expect(error?.code == .notFound)
        }
    }

    /// Every `table.column` of Tender's schema whose text (or bytes, for `bytea`) contains
    /// `trace`, ignoring case.
    static func columnsMentioning(_ trace: String, in fixture: StoreFixture) async throws -> [String] {
        let columns = try await fixture.pool.query(
            """
            SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = 'public' AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'bytea')
            """
        )
        var found: [String] = []
        for column in columns {
            let table = try column.decode(String.self, column: "table_name")
            let name = try column.decode(String.self, column: "column_name")
            let text = try column.decode(String.self, column: "data_type") == "bytea" ? "encode(\"\(name)\", 'escape')" : "\"\(name)\"::text"
            if try await fixture.scalar("SELECT count(*) FROM \"\(table)\" WHERE \(text) ILIKE '%' || $1 || '%'", [trace]) > 0 {
                found.append("\(table).\(name)")
            }
        }
        return found
    }
}
