import Foundation
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// `tender payments resolve` and `tender payments refund`, run as an operator would, against a
/// database, the sandbox and a running engine.
@Suite("Operator commands", .serialized)
struct OperatorCommandTests {
    static let sandbox = SandboxConfiguration(
        secretKey: "", bank: BankBehavior(confirmationDelay: .fixed(.milliseconds(100)), refundSettlementDelay: .fixed(.milliseconds(100))))

    /// Runs `tender ARGUMENTS` with the rig's database and gateway; returns its exit status and output.
    func tender(_ arguments: [String], _ rig: EngineRig) async throws -> (status: Int32, output: String) {
        let process = try TenderProcess(
            arguments,
            environment: [
                "TENDER_DATABASE_URL": rig.databaseURL, "TENDER_GATEWAY_URL": await rig.sandbox.baseURL,
                "TENDER_GATEWAY_SECRET_KEY": EngineHarness.secretKey,
            ])
        let status = try await process.exitStatus(timeout: .seconds(120))
        return (status, process.log)
    }

    func waitFor(_ id: AttemptID, _ state: AttemptState, _ rig: EngineRig) async throws {
        let reached = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) { try await rig.store.attempt(id)?.state == state }
        #expect(reached, "attempt \(id) did not reach \(state.rawValue)")
    }

    @Test("resolving an expired, unpaid attempt as completed is refused unless forced, and the history names the operator and the gateway")
    func resolveIsCheckedAgainstTheGateway() async throws {
        var policy = AttemptPolicy.fastForTests
        policy.confirmationWindow = .seconds(2)
        policy.sessionLifetimeBeyondDeadline = .zero
        try await EngineRig.run(sandbox: Self.sandbox, policy: policy) { rig in
            try await withServices([rig.engine(workerID: "operated")], logger: rig.logger) {
                let attempt = try #require(try await rig.submit(codes: [MagicBLIKCode.hold.rawValue]).first)
                try await waitFor(attempt.id, .expired, rig)
                let payment = attempt.paymentID.rawValue
                let arguments = ["payments", "resolve", payment, "--as", "completed", "--reason", "the shop says it was paid", "--operator", "alice"]

                let refused = try await tender(arguments, rig)
                #expect(refused.status != 0)
                #expect(refused.output.contains("refused"), "\(refused.output)")
                #expect(try await rig.store.attempt(attempt.id)?.state == .expired)

                let forced = try await tender(arguments + ["--force"], rig)
                #expect(forced.status == 0, "\(forced.output)")
                #expect(try await rig.store.attempt(attempt.id)?.state == .completed)
                let note = try #require(try await rig.store.payment(attempt.paymentID)?.history.last?.note)
                #expect(note.contains("by alice"), "\(note)")
                #expect(note.contains("overriding the gateway's expired session"), "\(note)")
            }
        }
    }

    @Test("a refund from the command line is made by the workers and shown with the payment")
    func refundFromTheCommandLine() async throws {
        try await EngineRig.run(sandbox: Self.sandbox, policy: .fastForTests) { rig in
            try await withServices([rig.engine(workerID: "refunding")], logger: rig.logger) {
                let paid = try #require(try await rig.submit(codes: [MagicBLIKCode.immediateCompletion.rawValue]).first)
                try await waitFor(paid.id, .completed, rig)
                let payment = paid.paymentID.rawValue

                let refunded = try await tender(["payments", "refund", payment, "--amount", "400", "--reason", "requested_by_customer"], rig)
                #expect(refunded.status == 0, "\(refunded.output)")
                #expect(refunded.output.contains("400 PLN"), "\(refunded.output)")
                let settled = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                    try await rig.store.payment(paid.paymentID)?.refunds.map(\.state) == [.succeeded]
                }
                #expect(settled)

                let shown = try await tender(["payments", "show", payment], rig)
                #expect(shown.output.contains("Refunds"), "\(shown.output)")
                #expect(shown.output.contains("400 refunded"), "\(shown.output)")

                let tooMuch = try await tender(["payments", "refund", payment, "--amount", "601"], rig)
                #expect(tooMuch.status != 0)
                #expect(tooMuch.output.contains("600 left to refund"), "\(tooMuch.output)")
            }
        }
    }
}
