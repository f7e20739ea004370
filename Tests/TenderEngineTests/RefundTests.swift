import Foundation
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// A gateway whose first refund call reaches the gateway and is applied, and whose answer is then
/// lost, as when the connection drops after the request was sent.
struct FirstRefundAnswerLost: PaymentGateway {
    let base: any PaymentGateway
    let lost = LostAnswers()

    actor LostAnswers {
        var count = 0
        func loseThisOne() -> Bool {
            count += 1
            return count == 1
        }
    }

    var currencies: Set<Currency> { base.currencies }

    func createSession(_ request: SessionRequest, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        try await base.createSession(request, idempotencyKey: idempotencyKey)
    }

    func pay(sessionID: String, code: BLIKCode, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        try await base.pay(sessionID: sessionID, code: code, idempotencyKey: idempotencyKey)
    }

    func session(id: String) async throws(GatewayError) -> GatewaySession {
        try await base.session(id: id)
    }

    func refund(sessionID: String, amount: Int64?, reason: RefundReason, idempotencyKey: String) async throws(GatewayError) -> GatewayRefund {
        let refund = try await base.refund(sessionID: sessionID, amount: amount, reason: reason, idempotencyKey: idempotencyKey)
        if await lost.loseThisOne() {
            throw GatewayError(kind: .retryLater, outcomeUnknown: true, message: "answer lost")
        }
        return refund
    }

    func refund(id: String) async throws(GatewayError) -> GatewayRefund {
        try await base.refund(id: id)
    }
}

@Suite("Refunds", .serialized)
struct RefundTests {
    static let sandbox = SandboxConfiguration(
        secretKey: "", bank: BankBehavior(confirmationDelay: .fixed(.milliseconds(100)), refundSettlementDelay: .fixed(.milliseconds(100))))

    @Test("a refund whose answer was lost after the gateway applied it is not made twice")
    func lostAnswerIsNotRefundedTwice() async throws {
        try await EngineRig.run(sandbox: Self.sandbox, policy: .fastForTests) { rig in
            var configuration = EngineConfiguration.forTests(policy: rig.policy, webhookURL: rig.webhookURL)
            configuration.workerID = "refunder"
            let engine = PaymentEngine(
                store: rig.store, gateway: FirstRefundAnswerLost(base: rig.gateway), configuration: configuration, logger: rig.logger)
            try await withServices([engine], logger: rig.logger) {
                let attempt = try #require(try await rig.submit(codes: [MagicBLIKCode.immediateCompletion.rawValue]).first)
                let paid = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                    try await rig.store.attempt(attempt.id)?.state == .completed
                }
                #expect(paid)

                let requested = try await engine.refund(paymentID: attempt.paymentID, idempotencyKey: "refund-\(attempt.id)")
                var refunds: [Refund] = []
                let settled = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                    refunds = try await rig.store.payment(attempt.paymentID)?.refunds ?? []
                    return refunds.allSatisfy { $0.state.isFinal }
                }
                #expect(settled)
                #expect(refunds.map(\.id) == [requested.refund.id])
                #expect(refunds.map(\.state) == [.succeeded])
                let session = try #require(try await rig.store.attempt(attempt.id)?.sessionID)
                let ledger = await rig.sandbox.ledger()
                #expect(ledger.refunds.filter { $0.sessionID == session }.map(\.amount) == [1000], "one refund at the gateway")
                #expect(ledger.sessions.first { $0.id == session }?.amountRefunded == 1000)
            }
        }
    }
}
