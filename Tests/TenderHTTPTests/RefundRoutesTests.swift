import Foundation
import Hummingbird
import HummingbirdTesting
import Tender
import TenderClient
import TenderSandbox
import TenderTestKit
import Testing

/// `POST /v1/payments/{payment_id}/refunds`, against the sandbox over HTTP.
@Suite struct RefundRoutesTests {
    /// A bank that confirms at once and settles refunds a tenth of a second later.
    static let bank = BankBehavior(refundSettlementDelay: .fixed(.milliseconds(100)))

    /// Submits a payment of 10.00 PLN that the bank completes at once, and waits until it is paid.
    func paidPayment(_ harness: APIHarness) async throws -> String {
        let id = "order-\(UUID().uuidString)"
        let submitted = try await harness.tender.submit(
            APIHarness.paymentRequest(id: id, code: MagicBLIKCode.immediateCompletion.rawValue), idempotencyKey: "key-\(id)")
        #expect(!submitted.replayed)
        let paid = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
            try await harness.tender.payment(id)?.state == .completed
        }
        #expect(paid, "payment \(id) did not complete")
        return id
    }

    /// Waits until every refund of the payment is final, and returns the payment.
    func settled(_ id: String, _ harness: APIHarness) async throws -> TenderClient.Payment {
        var payment: TenderClient.Payment?
        let done = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
            payment = try await harness.tender.payment(id)
            return payment?.refunds.allSatisfy { $0.state == .succeeded || $0.state == .failed } ?? false
        }
        #expect(done, "the refunds of \(id) did not settle")
        return try #require(payment)
    }

    /// The sandbox's refunds of the payment's session.
    func ledgerRefunds(_ id: String, _ harness: APIHarness) async throws -> [SandboxLedger.Refund] {
        let session = try #require(try await harness.tender.payment(id)?.attempts.last?.gatewaySessionId)
        return await harness.sandbox.ledger().refunds.filter { $0.sessionID == session }
    }

    /// The ids of the refunds of `type` in the events the order system reads.
    func refundEvents(_ type: TenderClient.EventType, _ harness: APIHarness) async throws -> [String?] {
        try await harness.tender.events(after: 0, limit: 500).events.filter { $0.eventType == type }.map(\.refundId)
    }

    @Test("a full refund answers 201, its replay 200, and it ends succeeded with an event and the ledger's agreement")
    func fullRefund() async throws {
        try await APIHarness.run(bank: Self.bank) { harness in
            let id = try await paidPayment(harness)
            let created = try await harness.tender.refund(paymentID: id, idempotencyKey: "refund-\(id)")
            #expect(!created.replayed, "201 Created")
            let refund = created.value
            #expect(refund.paymentId == id)
            #expect(refund.amount == 1000)
            #expect(refund.currency == "PLN")
            #expect(refund.reason == .requestedByCustomer)
            #expect(refund.state == .requested)

            let replay = try await harness.tender.refund(paymentID: id, idempotencyKey: "refund-\(id)")
            #expect(replay.replayed, "200 OK")
            #expect(replay.value.refundId == refund.refundId)

            let payment = try await settled(id, harness)
            #expect(payment.refunds.map(\.state) == [.succeeded])
            #expect(payment.amountRefunded == 1000)
            let ledger = try await ledgerRefunds(id, harness)
            #expect(ledger.map(\.amount) == [1000])
            #expect(ledger.map(\.status) == [.succeeded])
            #expect(try await refundEvents(.refund_succeeded, harness) == [refund.refundId])
        }
    }

    @Test("a partial refund and a second one of the rest both succeed; the payment is then refunded in full")
    func partialRefunds() async throws {
        try await APIHarness.run(bank: Self.bank) { harness in
            let id = try await paidPayment(harness)
            let first = try await harness.tender.refund(paymentID: id, amount: 300, reason: .fraudulent, idempotencyKey: UUID().uuidString)
            #expect(!first.replayed)
            #expect(first.value.reason == .fraudulent)
            #expect(first.value.amount == 300)
            let rest = try await harness.tender.refund(paymentID: id, idempotencyKey: UUID().uuidString)
            #expect(!rest.replayed)
            #expect(rest.value.amount == 700)

            let payment = try await settled(id, harness)
            #expect(payment.refunds.map(\.state) == [.succeeded, .succeeded])
            #expect(payment.amountRefunded == 1000)
            #expect(try await ledgerRefunds(id, harness).map(\.amount).sorted() == [300, 700])

            await expectRefusal(422, "amount_exceeds_refundable") {
                try await harness.tender.refund(paymentID: id, amount: 1, idempotencyKey: UUID().uuidString)
            }
        }
    }

    @Test("refusals are typed 4xx answers and send nothing to the gateway")
    func refusals() async throws {
        try await APIHarness.run(bank: Self.bank) { harness in
            let id = try await paidPayment(harness)
            for (amount, code) in [(1001, "amount_exceeds_refundable"), (0, "invalid_amount"), (-5, "invalid_amount")] as [(Int64, String)] {
                await expectRefusal(422, code, "\(amount)") {
                    try await harness.tender.refund(paymentID: id, amount: amount, idempotencyKey: UUID().uuidString)
                }
            }
            // Raw: an undeclared reason, a mistyped amount and an unknown field, which the typed client cannot send.
            let cases: [(String, HTTPResponse.Status, String)] = [
                (#"{"reason": "bored"}"#, .badRequest, "malformed_request"),
                (#"{"amount": "ten"}"#, .badRequest, "malformed_request"),
                (#"{"amount": 10, "currency": "PLN"}"#, .badRequest, "unknown_field"),
            ]
            for (body, status, code) in cases {
                let answer = try await harness.refundRaw(id, body: body)
                #expect(answer.status == status, "\(body)")
                #expect(try json(ErrorBody.self, answer).error.code == code, "\(body)")
            }
            await expectRefusal(404, "not_found") { try await harness.tender.refund(paymentID: "no-such-payment", idempotencyKey: "k") }

            let unpaid = "order-\(UUID().uuidString)"
            #expect(
                try await !harness.tender.submit(APIHarness.paymentRequest(id: unpaid, code: MagicBLIKCode.hold.rawValue), idempotencyKey: unpaid)
                    .replayed)
            await expectRefusal(409, "payment_not_completed") {
                try await harness.tender.refund(paymentID: unpaid, idempotencyKey: UUID().uuidString)
            }

            // Raw: the typed client always sends an Idempotency-Key.
            let noKey = try await harness.client.execute(
                uri: "/v1/payments/\(id)/refunds", method: .post, headers: APIHarness.headers([.contentType: "application/json"]),
                body: ByteBuffer(string: "{}"))
            #expect(noKey.status == .badRequest)
            #expect(try json(ErrorBody.self, noKey).error.code == "missing_idempotency_key")

            #expect(await harness.sandbox.ledger().refunds.isEmpty)
            #expect(try await harness.tender.payment(id)?.refunds.isEmpty == true)
        }
    }

    @Test("twenty concurrent refund requests of one payment never refund more than was captured")
    func concurrentRefunds() async throws {
        try await APIHarness.run(bank: Self.bank) { harness in
            let id = try await paidPayment(harness)
            // Each answer as `201`, or the refusal's status and code.
            let answers = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do {
                            let refund = try await harness.tender.refund(paymentID: id, amount: 300, idempotencyKey: UUID().uuidString)
                            return refund.replayed ? "200" : "201"
                        } catch let error as TenderClientError {
                            return "\(error.status) \(error.code)"
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(answers.filter { $0 == "201" }.count == 3)
            #expect(answers.filter { $0 == "422 amount_exceeds_refundable" }.count == 17, "\(answers)")
            let payment = try await settled(id, harness)
            #expect(payment.amountRefunded == 900)
            let ledger = try await ledgerRefunds(id, harness)
            #expect(ledger.map(\.amount) == [300, 300, 300])
            let session = try #require(await harness.sandbox.ledger().sessions.first { $0.id == ledger.first?.sessionID })
            #expect(session.amountRefunded == 900)
        }
    }

    @Test("a refund the gateway fails ends failed with a refund.failed event, and its amount can be refunded again")
    func failedRefund() async throws {
        let bank = BankBehavior(refundSettlementDelay: .fixed(.milliseconds(100)), refundFailureRate: 1)
        try await APIHarness.run(bank: bank) { harness in
            let id = try await paidPayment(harness)
            let refund = try await harness.tender.refund(paymentID: id, idempotencyKey: UUID().uuidString).value
            let payment = try await settled(id, harness)
            #expect(payment.refunds.map(\.state) == [.failed])
            #expect(payment.refunds.first?.failure != nil, "a failed refund says why")
            #expect(payment.amountRefunded == 0)
            #expect(try await refundEvents(.refund_failed, harness) == [refund.refundId])
            let again = try await harness.tender.refund(paymentID: id, idempotencyKey: UUID().uuidString)
            #expect(!again.replayed, "a failed refund's amount is refundable again")
        }
    }
}
