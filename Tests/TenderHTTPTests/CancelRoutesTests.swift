import Foundation
import Hummingbird
import HummingbirdTesting
import Tender
import TenderClient
import TenderOpenAPI
import TenderSandbox
import TenderTestKit
import Testing

/// `POST /v1/payments/{payment_id}/cancel`, against the sandbox over HTTP.
@Suite struct CancelRoutesTests {
    /// The payment's latest attempt, as the API answers it.
    func latestAttempt(_ id: String, _ harness: APIHarness) async throws -> Components.Schemas.Attempt? {
        try await harness.tender.payment(id)?.attempts.last
    }

    @Test("an attempt canceled while awaiting confirmation that the payer confirms anyway is refunded, and the ledger balances")
    func cancelThenConfirmed() async throws {
        try await APIHarness.run(bank: BankBehavior(refundSettlementDelay: .fixed(.milliseconds(100)))) { harness in
            let id = "order-\(UUID().uuidString)"
            let submitted = try await harness.tender.submit(
                APIHarness.paymentRequest(id: id, code: MagicBLIKCode.hold.rawValue), idempotencyKey: "key-\(id)")
            #expect(!submitted.replayed)
            let awaiting = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                try await latestAttempt(id, harness)?.state == .awaitingConfirmation
            }
            #expect(awaiting)

            let canceled = try await harness.tender.cancel(paymentID: id)
            #expect(canceled.state == .canceled)
            #expect(canceled.attemptId == submitted.value.attemptId)
            let again = try await harness.tender.cancel(paymentID: id)
            #expect(again == canceled, "canceling again answers the canceled attempt")

            let session = try #require(try await latestAttempt(id, harness)?.gatewaySessionId)
            try await harness.sandbox.complete(sessionID: session)
            var payment: TenderClient.Payment?
            let refunded = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                payment = try await harness.tender.payment(id)
                return payment?.refunds.first?.state == .succeeded
            }
            #expect(refunded)
            let attempt = try #require(payment?.attempts.last)
            #expect(attempt.state == .completed)
            #expect(attempt.late)
            #expect(payment?.refunds.map(\.reason) == [.requestedByCustomer])

            let ledger = await harness.sandbox.ledger()
            let charged = ledger.charges.filter { $0.sessionID == session }.map(\.amount).reduce(0, +)
            let returned = ledger.refunds.filter { $0.sessionID == session && $0.status == .succeeded }.map(\.amount).reduce(0, +)
            #expect(charged == 1000)
            #expect(returned == charged, "the payer got the late charge back")

            let events = try await harness.tender.events(after: 0, limit: 500).events.filter { $0.paymentId == id }
            #expect(events.map(\.eventType).contains(.attempt_canceled))
            #expect(events.map(\.eventType).contains(.refund_succeeded))
            let late = try #require(events.first { $0.eventType == .attempt_completedLate })
            #expect(late.late)
            #expect(late.sessionId == session)
            #expect(late.amount == 1000)
            #expect(late.currency == "PLN")
            #expect(late.attemptId == attempt.attemptId)
        }
    }

    @Test("a completed payment is not canceled (409); an unknown one is 404")
    func refusals() async throws {
        try await APIHarness.run { harness in
            let id = "order-\(UUID().uuidString)"
            let submitted = try await harness.tender.submit(
                APIHarness.paymentRequest(id: id, code: MagicBLIKCode.immediateCompletion.rawValue), idempotencyKey: "key-\(id)")
            #expect(!submitted.replayed)
            let paid = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                try await latestAttempt(id, harness)?.state == .completed
            }
            #expect(paid)
            await expectRefusal(409, "payment_completed") { try await harness.tender.cancel(paymentID: id) }
            #expect(try await latestAttempt(id, harness)?.state == .completed)
            await expectRefusal(404, "not_found") { try await harness.tender.cancel(paymentID: "no-such-payment") }
        }
    }
}
