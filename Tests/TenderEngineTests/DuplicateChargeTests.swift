import Foundation
import Tender
import TenderSandbox
import TenderTestKit
import TenderWorker
import Testing

@Suite("Duplicate charges", .serialized)
struct DuplicateChargeTests {
    /// The policy a worker reads from `environment`, as `tender worker` would, with the test's
    /// compressed timings for everything the environment leaves out.
    static func policy(from environment: [String: String]) async throws -> AttemptPolicy {
        let reader = try await TenderConfiguration.reader(
            environment: [
                "TENDER_DATABASE_URL": "postgresql://127.0.0.1/unused", "TENDER_GATEWAY_URL": "http://127.0.0.1:1",
                "TENDER_GATEWAY_SECRET_KEY": "sk_unused",
            ].merging(environment) { $1 }
        )
        let configured = try TenderConfiguration(reading: reader).engine.policy
        var policy = AttemptPolicy.fastForTests
        policy.confirmationWindow = configured.confirmationWindow
        policy.gracePeriod = configured.gracePeriod
        policy.refundsDuplicates = configured.refundsDuplicates
        return policy
    }

    /// The first attempt expires and completes late, after a second attempt has completed the
    /// payment. The bank holds the first (000013) until the test completes it, so the order of the
    /// two completions does not depend on how fast the engine runs. The engine runs with the policy
    /// `environment` configures.
    static func twoCompletions(
        environment: [String: String], _ check: @escaping @Sendable (EngineHarness, Attempt, Attempt) async throws -> Void
    ) async throws {
        let policy = try await Self.policy(
            from: ["TENDER_CONFIRMATION_TIMEOUT": "10", "TENDER_GRACE_PERIOD": "60"].merging(environment) { $1 }
        )
        let sandbox = SandboxConfiguration(
            secretKey: "",
            bank: BankBehavior(
                confirmationDelay: .uniform(.milliseconds(100) ... .milliseconds(200)),
                refundSettlementDelay: .fixed(.milliseconds(100))
            )
        )
        try await EngineHarness.run(sandbox: sandbox, policy: policy) { harness in
            let payment = UUID().uuidString
            let first = try await harness.submit(payment, code: "000013")
            let expired = try await harness.waitFor(first.id, in: [.expired])
            let second = try await harness.submit(payment, code: "123456")
            let winner = try await harness.waitFor(second.id, in: [.completed])
            try await harness.sandbox.complete(sessionID: try #require(expired.sessionID))
            let duplicate = try await harness.waitFor(first.id, in: [.completed])
            try await check(harness, winner, duplicate)
        }
    }

    @Test("with TENDER_REFUND_DUPLICATES=false a duplicate charge is reported and not refunded")
    func twoCompletedAttemptsAreReportedAsADuplicateCharge() async throws {
        try await Self.twoCompletions(environment: ["TENDER_REFUND_DUPLICATES": "false"]) { harness, winner, duplicate in
            #expect(!winner.duplicate)
            #expect(duplicate.duplicate)
            #expect(duplicate.late)
            let types = try await harness.events(of: duplicate.id).map(\.type)
            #expect(types.contains(.duplicateCharge))
            #expect(!types.contains(.refundSucceeded))
            #expect(try await harness.engine.payment(winner.paymentID)?.refunds.isEmpty == true)
            #expect(await harness.sandbox.ledger().refunds.isEmpty)
            let record = try #require(try await harness.engine.payment(winner.paymentID))
            #expect(record.completedAttemptID == winner.id)
        }
    }

    @Test("by default a duplicate charge is refunded, followed until it settles and reported")
    func aDuplicateChargeIsRefundedByDefault() async throws {
        try await Self.twoCompletions(environment: [:]) { harness, _, duplicate in
            let refunded = try await harness.waitUntil { try await harness.events(of: duplicate.id).contains { $0.type == .refundSucceeded } }
            #expect(refunded, "waiting for refund.succeeded")
            let record = try #require(try await harness.engine.payment(duplicate.paymentID))
            #expect(record.refunds.map(\.state) == [.succeeded])
            #expect(record.refunds.first?.reason == .duplicated)
            #expect(record.refunds.first?.attemptID == duplicate.id)
            #expect(record.refundedAmount == 0, "a duplicate's refund gives back the second charge, not the payment")
            let refunds = await harness.sandbox.ledger().refunds
            #expect(refunds.count == 1)
            #expect(refunds.first?.sessionID == duplicate.sessionID)
            #expect(refunds.first?.amount == Int(duplicate.amount.minorUnits))
        }
    }
}
