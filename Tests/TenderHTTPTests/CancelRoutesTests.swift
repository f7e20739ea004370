import Foundation
import Hummingbird
import HummingbirdTesting
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// `POST /v1/payments/{payment_id}/cancel`, against the sandbox over HTTP.
@Suite struct CancelRoutesTests {
    func cancel(_ id: String, _ harness: APIHarness) async throws -> TestResponse {
        try await harness.client.execute(uri: "/v1/payments/\(id)/cancel", method: .post, headers: APIHarness.headers(), body: nil)
    }

    func attemptState(_ id: String, _ harness: APIHarness) async throws -> Attempt? {
        try await harness.engine.payment(PaymentID(rawValue: id))?.attempts.last
    }

    @Test("an attempt canceled while awaiting confirmation that the payer confirms anyway is refunded, and the ledger balances")
    func cancelThenConfirmed() async throws {
        try await APIHarness.run(bank: BankBehavior(refundSettlementDelay: .fixed(.milliseconds(100)))) { harness in
            let id = "order-\(UUID().uuidString)"
            #expect(try await harness.submit(APIHarness.paymentBody(id: id, code: MagicBLIKCode.hold.rawValue)).status == .created)
            let awaiting = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                try await attemptState(id, harness)?.state == .awaitingConfirmation
            }
            #expect(awaiting)

            let canceled = try await cancel(id, harness)
            #expect(canceled.status == .ok)
            #expect(try json(SubmittedBody.self, canceled).state == "canceled")
            #expect(try await cancel(id, harness).status == .ok, "canceling again answers the canceled attempt")

            let session = try #require(try await attemptState(id, harness)?.sessionID)
            try await harness.sandbox.complete(sessionID: session)
            var record: PaymentRecord?
            let refunded = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                record = try await harness.engine.payment(PaymentID(rawValue: id))
                return record?.refunds.first?.state == .succeeded
            }
            #expect(refunded)
            let attempt = try #require(record?.attempts.last)
            #expect(attempt.state == .completed)
            #expect(attempt.late)
            #expect(record?.refunds.map(\.reason) == [.requestedByCustomer])

            let ledger = await harness.sandbox.ledger()
            let charged = ledger.charges.filter { $0.sessionID == session }.map(\.amount).reduce(0, +)
            let returned = ledger.refunds.filter { $0.sessionID == session && $0.status == .succeeded }.map(\.amount).reduce(0, +)
            #expect(charged == 1000)
            #expect(returned == charged, "the payer got the late charge back")

            let events = try await harness.engine.events(after: 0, limit: 1000).filter { $0.paymentID.rawValue == id }
            #expect(events.map(\.type).contains(.canceled))
            #expect(events.map(\.type).contains(.refundSucceeded))
            let late = try #require(events.first { $0.type == .completedLate })
            #expect(late.late)
            #expect(late.sessionID == session)
            #expect(late.amount == (try Money(minorUnits: 1000, currency: .pln)))
            #expect(late.attemptID == attempt.id)
        }
    }

    @Test("a completed payment is not canceled (409); an unknown one is 404")
    func refusals() async throws {
        try await APIHarness.run { harness in
            let id = "order-\(UUID().uuidString)"
            #expect(try await harness.submit(APIHarness.paymentBody(id: id, code: MagicBLIKCode.immediateCompletion.rawValue)).status == .created)
            let paid = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                try await attemptState(id, harness)?.state == .completed
            }
            #expect(paid)
            let refused = try await cancel(id, harness)
            #expect(refused.status == .conflict)
            #expect(try json(ErrorBody.self, refused).error.code == "payment_completed")
            #expect(try await attemptState(id, harness)?.state == .completed)
            #expect(try await cancel("no-such-payment", harness).status == .notFound)
        }
    }
}
