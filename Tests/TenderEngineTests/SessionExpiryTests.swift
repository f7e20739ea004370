import Foundation
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// A gateway whose first pay is applied and its answer lost, and whose second pay is refused as
/// `blik_code_used`, as a gateway that does not replay an idempotent pay would answer.
struct RepayRefusedAsCodeUsed: PaymentGateway {
    let base: any PaymentGateway
    let pays = PayCount()

    actor PayCount {
        var count = 0
        func next() -> Int {
            count += 1
            return count
        }
    }

    var currencies: Set<Currency> { base.currencies }

    func createSession(_ request: SessionRequest, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        try await base.createSession(request, idempotencyKey: idempotencyKey)
    }

    func pay(sessionID: String, code: BLIKCode, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        guard await pays.next() == 1 else {
            throw GatewayError(kind: .payerMustAct(.codeUsed), httpStatus: 402, type: "voucher_error", message: "The BLIK code was used.")
        }
        _ = try await base.pay(sessionID: sessionID, code: code, idempotencyKey: idempotencyKey)
        throw GatewayError(kind: .retryLater, outcomeUnknown: true, message: "answer lost")
    }

    func session(id: String) async throws(GatewayError) -> GatewaySession {
        try await base.session(id: id)
    }

    func refund(sessionID: String, amount: Int64?, reason: RefundReason, idempotencyKey: String) async throws(GatewayError) -> GatewayRefund {
        try await base.refund(sessionID: sessionID, amount: amount, reason: reason, idempotencyKey: idempotencyKey)
    }

    func refund(id: String) async throws(GatewayError) -> GatewayRefund {
        try await base.refund(id: id)
    }
}

@Suite("Session expiry", .serialized)
struct SessionExpiryTests {
    @Test("a payer who confirms after the deadline is refused by the gateway: the session expired with the attempt, no charge")
    func noChargeAfterTheDeadline() async throws {
        var policy = AttemptPolicy.fastForTests
        policy.confirmationWindow = .seconds(3)
        policy.sessionLifetimeBeyondDeadline = .zero
        try await EngineRig.run(sandbox: SandboxConfiguration(secretKey: ""), policy: policy) { rig in
            let engine = rig.engine(workerID: "expiry")
            try await withServices([engine], logger: rig.logger) {
                let attempt = try #require(try await rig.submit(codes: [MagicBLIKCode.hold.rawValue]).first)
                let expired = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                    try await rig.store.attempt(attempt.id)?.state == .expired
                }
                #expect(expired)
                let session = try #require(try await rig.store.attempt(attempt.id)?.sessionID)
                let closed = try await waitUntil(timeout: .seconds(10), every: .milliseconds(50)) {
                    await rig.sandbox.ledger().sessions.first { $0.id == session }?.status == .expired
                }
                #expect(closed, "the gateway's session ends with the attempt")
                // The payer confirms in the bank app now: too late.
                await #expect(throws: SandboxError.self) { try await rig.sandbox.complete(sessionID: session) }
                #expect(await rig.sandbox.ledger().charges.filter { $0.sessionID == session }.isEmpty)
                #expect(try await rig.store.attempt(attempt.id)?.state == .expired)
            }
        }
    }

    @Test("a re-sent pay refused as blik_code_used is checked against the session and ends as the ledger says")
    func repayRefusedAsCodeUsed() async throws {
        let sandbox = SandboxConfiguration(secretKey: "", bank: BankBehavior(confirmationDelay: .fixed(.milliseconds(500))))
        try await EngineRig.run(sandbox: sandbox, policy: .fastForTests) { rig in
            var configuration = EngineConfiguration.forTests(policy: rig.policy, webhookURL: rig.webhookURL)
            configuration.workerID = "repayer"
            let engine = PaymentEngine(
                store: rig.store, gateway: RepayRefusedAsCodeUsed(base: rig.gateway), configuration: configuration, logger: rig.logger)
            try await withServices([engine], logger: rig.logger) {
                let attempt = try #require(try await rig.submit(codes: ["123456"]).first)
                var final: Attempt?
                let decided = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                    final = try await rig.store.attempt(attempt.id)
                    return final?.state.isTerminal ?? false
                }
                #expect(decided)
                let session = try #require(final?.sessionID)
                let charged = await rig.sandbox.ledger().charges.contains { $0.sessionID == session }
                #expect(charged, "the first pay went through")
                #expect(final?.state == .completed, "Tender agrees with the ledger instead of failing the paid attempt")
                let inputs = try await rig.store.payment(attempt.paymentID)?.history.map(\.note) ?? []
                #expect(inputs.contains { $0.hasPrefix("re-sent pay refused as blik_code_used") })
            }
        }
    }
}
