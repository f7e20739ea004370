import Foundation
import Hummingbird
import HummingbirdTesting
import Tender
import TenderSandbox
import TenderTestKit
import Testing

struct RefundBody: Decodable {
    var refund_id: String
    var payment_id: String
    var amount: Int
    var currency: String
    var reason: String
    var state: String
}

struct RefundedPaymentBody: Decodable {
    var state: String
    var amount_refunded: Int
    var refunds: [RefundBody]
}

/// `POST /v1/payments/{payment_id}/refunds`, against the sandbox over HTTP.
@Suite struct RefundRoutesTests {
    /// A bank that confirms at once and settles refunds a tenth of a second later.
    static let bank = BankBehavior(refundSettlementDelay: .fixed(.milliseconds(100)))

    /// Submits a payment of 10.00 PLN that the bank completes at once, and waits until it is paid.
    func paidPayment(_ harness: APIHarness) async throws -> String {
        let id = "order-\(UUID().uuidString)"
        #expect(try await harness.submit(APIHarness.paymentBody(id: id, code: MagicBLIKCode.immediateCompletion.rawValue)).status == .created)
        let paid = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
            try json(RefundedPaymentBody.self, try await harness.get("/v1/payments/\(id)")).state == "completed"
        }
        #expect(paid, "payment \(id) did not complete")
        return id
    }

    /// Waits until every refund of the payment is final, and returns the payment.
    func settled(_ id: String, _ harness: APIHarness) async throws -> RefundedPaymentBody {
        var payment: RefundedPaymentBody?
        let done = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
            payment = try json(RefundedPaymentBody.self, try await harness.get("/v1/payments/\(id)"))
            return payment?.refunds.allSatisfy { $0.state == "succeeded" || $0.state == "failed" } ?? false
        }
        #expect(done, "the refunds of \(id) did not settle")
        return try #require(payment)
    }

    /// The sandbox's refunds of the payment's session.
    func ledgerRefunds(_ id: String, _ harness: APIHarness) async throws -> [SandboxLedger.Refund] {
        let session = try #require(try await harness.engine.payment(PaymentID(rawValue: id))?.attempts.last?.sessionID)
        return await harness.sandbox.ledger().refunds.filter { $0.sessionID == session }
    }

    @Test("a full refund answers 201, its replay 200, and it ends succeeded with an event and the ledger's agreement")
    func fullRefund() async throws {
        try await APIHarness.run(bank: Self.bank) { harness in
            let id = try await paidPayment(harness)
            let created = try await harness.refund(id, key: "refund-\(id)")
            #expect(created.status == .created)
            let refund = try json(RefundBody.self, created)
            #expect(refund.amount == 1000)
            #expect(refund.reason == "requested_by_customer")
            #expect(refund.state == "requested")

            let replay = try await harness.refund(id, key: "refund-\(id)")
            #expect(replay.status == .ok)
            #expect(try json(RefundBody.self, replay).refund_id == refund.refund_id)

            let payment = try await settled(id, harness)
            #expect(payment.refunds.map(\.state) == ["succeeded"])
            #expect(payment.amount_refunded == 1000)
            let ledger = try await ledgerRefunds(id, harness)
            #expect(ledger.map(\.amount) == [1000])
            #expect(ledger.map(\.status) == [.succeeded])
            let events = try await harness.engine.events(after: 0, limit: 1000)
            #expect(events.filter { $0.type == .refundSucceeded }.map { $0.refundID?.description } == [refund.refund_id])
        }
    }

    @Test("a partial refund and a second one of the rest both succeed; the payment is then refunded in full")
    func partialRefunds() async throws {
        try await APIHarness.run(bank: Self.bank) { harness in
            let id = try await paidPayment(harness)
            let first = try await harness.refund(id, body: #"{"amount": 300, "reason": "fraudulent"}"#)
            #expect(first.status == .created)
            #expect(try json(RefundBody.self, first).reason == "fraudulent")
            let rest = try await harness.refund(id)
            #expect(rest.status == .created)
            #expect(try json(RefundBody.self, rest).amount == 700)

            let payment = try await settled(id, harness)
            #expect(payment.refunds.map(\.state) == ["succeeded", "succeeded"])
            #expect(payment.amount_refunded == 1000)
            #expect(try await ledgerRefunds(id, harness).map(\.amount).sorted() == [300, 700])

            let more = try await harness.refund(id, body: #"{"amount": 1}"#)
            #expect(more.status == .unprocessableContent)
            #expect(try json(ErrorBody.self, more).error.code == "amount_exceeds_refundable")
        }
    }

    @Test("refusals are typed 4xx answers and send nothing to the gateway")
    func refusals() async throws {
        try await APIHarness.run(bank: Self.bank) { harness in
            let id = try await paidPayment(harness)
            let cases: [(String, HTTPResponse.Status, String)] = [
                (#"{"amount": 1001}"#, .unprocessableContent, "amount_exceeds_refundable"),
                (#"{"amount": 0}"#, .unprocessableContent, "invalid_amount"),
                (#"{"amount": -5}"#, .unprocessableContent, "invalid_amount"),
                (#"{"reason": "bored"}"#, .badRequest, "malformed_request"),
                (#"{"amount": "ten"}"#, .badRequest, "malformed_request"),
                (#"{"amount": 10, "currency": "PLN"}"#, .badRequest, "unknown_field"),
            ]
            for (body, status, code) in cases {
                let answer = try await harness.refund(id, body: body)
                #expect(answer.status == status, "\(body)")
                #expect(try json(ErrorBody.self, answer).error.code == code, "\(body)")
            }
            let unknown = try await harness.refund("no-such-payment")
            #expect(unknown.status == .notFound)

            let unpaid = "order-\(UUID().uuidString)"
            #expect(try await harness.submit(APIHarness.paymentBody(id: unpaid, code: MagicBLIKCode.hold.rawValue)).status == .created)
            let notPaid = try await harness.refund(unpaid)
            #expect(notPaid.status == .conflict)
            #expect(try json(ErrorBody.self, notPaid).error.code == "payment_not_completed")

            let noKey = try await harness.client.execute(
                uri: "/v1/payments/\(id)/refunds", method: .post, headers: APIHarness.headers([.contentType: "application/json"]),
                body: ByteBuffer(string: "{}"))
            #expect(noKey.status == .badRequest)

            #expect(await harness.sandbox.ledger().refunds.isEmpty)
            #expect(try await harness.engine.payment(PaymentID(rawValue: id))?.refunds.isEmpty == true)
        }
    }

    @Test("twenty concurrent refund requests of one payment never refund more than was captured")
    func concurrentRefunds() async throws {
        try await APIHarness.run(bank: Self.bank) { harness in
            let id = try await paidPayment(harness)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await harness.refund(id, body: #"{"amount": 300}"#).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count == 3)
            #expect(statuses.filter { $0 == .unprocessableContent }.count == 17)
            let payment = try await settled(id, harness)
            #expect(payment.amount_refunded == 900)
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
            let refund = try json(RefundBody.self, try await harness.refund(id))
            let payment = try await settled(id, harness)
            #expect(payment.refunds.map(\.state) == ["failed"])
            #expect(payment.amount_refunded == 0)
            let events = try await harness.engine.events(after: 0, limit: 1000)
            #expect(events.filter { $0.type == .refundFailed }.map { $0.refundID?.description } == [refund.refund_id])
            #expect(try await harness.refund(id).status == .created, "a failed refund's amount is refundable again")
        }
    }
}
