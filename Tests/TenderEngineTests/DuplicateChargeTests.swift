import Foundation
import Testing
import Tender
import TenderSandbox
import TenderTestKit

@Suite("Duplicate charges", .serialized)
struct DuplicateChargeTests {
    /// The first attempt expires and completes late, after a second attempt has completed the
    /// payment. The bank holds the first (000013) until the test completes it, so the order of the
    /// two completions does not depend on how fast the engine runs.
    static func twoCompletions(refunding: Bool, _ check: @escaping @Sendable (EngineHarness, Attempt, Attempt) async throws -> Void) async throws {
        var policy = AttemptPolicy.fastForTests
        policy.confirmationWindow = .seconds(10)
        policy.gracePeriod = .seconds(60)
        policy.refundsDuplicates = refunding
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

    @Test func twoCompletedAttemptsAreReportedAsADuplicateCharge() async throws {
        try await Self.twoCompletions(refunding: false) { harness, winner, duplicate in
            #expect(!winner.duplicate)
            #expect(duplicate.duplicate)
            #expect(duplicate.late)
            let types = try await harness.events(of: duplicate.id).map(\.type)
            #expect(types.contains(.duplicateCharge))
            #expect(!types.contains(.duplicateRefunded))
            #expect(await harness.sandbox.ledger().refunds.isEmpty)
            let record = try #require(try await harness.engine.payment(winner.paymentID))
            #expect(record.completedAttemptID == winner.id)
        }
    }

    @Test func aDuplicateChargeIsRefundedWhenConfigured() async throws {
        try await Self.twoCompletions(refunding: true) { harness, _, duplicate in
            let refunded = try await harness.waitUntil { try await harness.events(of: duplicate.id).contains { $0.type == .duplicateRefunded } }
            #expect(refunded, "waiting for duplicate_refunded")
            let refunds = await harness.sandbox.ledger().refunds
            #expect(refunds.count == 1)
            #expect(refunds.first?.sessionID == duplicate.sessionID)
            #expect(refunds.first?.amount == Int(duplicate.amount.minorUnits))
        }
    }
}
