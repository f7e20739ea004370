import Foundation
import LibPQ
import Tender
import TenderPostgres
import TenderTestKit
import Testing

/// Refund requests in the store: what is left to refund is checked under the payment's lock, and
/// answers move refunds forward under the refund task's fence.
@Suite struct RefundStoreTests {
    let refundMachine = RefundMachine(policy: .fastForTests)

    /// A payment of 10.00 PLN completed by its only attempt, straight through the store.
    func completedPayment(_ fixture: StoreFixture) async throws -> Attempt {
        let submitted = try await fixture.submit()
        let machine = fixture.machine
        let session = "cs_\(submitted.id)"
        try await fixture.store.apply(
            .sessionCreated(GatewaySession(id: session, status: .open, amount: 1000)), to: submitted.id, machine: machine, completing: nil,
            now: Date())
        let completed = try await fixture.store.apply(
            .payAnswered(GatewaySession(id: session, status: .completed, amount: 1000)), to: submitted.id, machine: machine, completing: nil,
            now: Date())
        #expect(completed.attempt.state == .completed)
        return completed.attempt
    }

    func request(_ attempt: Attempt, amount: Int64?, key: String = UUID().uuidString) -> RefundRequest {
        RefundRequest(idempotencyKey: key, paymentID: attempt.paymentID, amount: amount, reason: .requestedByCustomer)
    }

    @Test("twenty concurrent requests never refund more than was captured")
    func concurrentRequests() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await completedPayment(fixture)
            let outcomes = try await withThrowingTaskGroup(of: Result<Refund, StoreError>.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        do {
                            return .success(
                                try await fixture.store.requestRefund(request(attempt, amount: 300), machine: refundMachine, now: Date()).refund)
                        } catch let error as StoreError {
                            return .failure(error)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let accepted = outcomes.compactMap { try? $0.get() }
            #expect(accepted.count == 3, "three refunds of 3.00 fit in 10.00")
            #expect(outcomes.allSatisfy { if case .failure(let error) = $0 { error.code == .amountExceedsRefundable } else { true } })
            let rest = try await fixture.store.requestRefund(request(attempt, amount: nil), machine: refundMachine, now: Date()).refund
            #expect(rest.amount.minorUnits == 100, "a request without an amount takes what is left")
            let record = try #require(try await fixture.store.payment(attempt.paymentID))
            #expect(record.refunds.reduce(0) { $0 + $1.amount.minorUnits } == 1000)
        }
    }

    @Test("a request is idempotent by its key; the same key with another request is a conflict")
    func idempotency() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await completedPayment(fixture)
            let first = try await fixture.store.requestRefund(request(attempt, amount: 500, key: "r1"), machine: refundMachine, now: Date())
            #expect(!first.replayed)
            let replay = try await fixture.store.requestRefund(request(attempt, amount: 500, key: "r1"), machine: refundMachine, now: Date())
            #expect(replay.replayed)
            #expect(replay.refund.id == first.refund.id)
            await #expect(throws: StoreError.self) {
                try await fixture.store.requestRefund(request(attempt, amount: 400, key: "r1"), machine: refundMachine, now: Date())
            }
            #expect(try await fixture.store.payment(attempt.paymentID)?.refunds.count == 1)
        }
    }

    @Test("an unpaid or unknown payment and an amount over what is left are refused, writing nothing")
    func refusals() async throws {
        try await StoreFixture.with { fixture in
            let unpaid = try await fixture.submit()
            let notCompleted = await #expect(throws: StoreError.self) {
                try await fixture.store.requestRefund(request(unpaid, amount: nil), machine: refundMachine, now: Date())
            }
            #expect(notCompleted?.code == .paymentNotCompleted)

            let unknown = RefundRequest(idempotencyKey: "k", paymentID: PaymentID(rawValue: "no-such"), amount: nil, reason: .fraudulent)
            let notFound = await #expect(throws: StoreError.self) {
                try await fixture.store.requestRefund(unknown, machine: refundMachine, now: Date())
            }
            #expect(notFound?.code == .notFound)

            let paid = try await completedPayment(fixture)
            let tooMuch = await #expect(throws: StoreError.self) {
                try await fixture.store.requestRefund(request(paid, amount: 1001), machine: refundMachine, now: Date())
            }
            #expect(tooMuch?.code == .amountExceedsRefundable)
            #expect(try await fixture.store.payment(paid.paymentID)?.refunds.isEmpty == true)
            #expect(try await fixture.store.unfinishedRefunds(of: paid.id).isEmpty)
        }
    }

    @Test("answers move refunds under the task's fence; a lost lease applies nothing")
    func answersUnderTheFence() async throws {
        try await StoreFixture.with { fixture in
            let attempt = try await completedPayment(fixture)
            let refund = try await fixture.store.requestRefund(request(attempt, amount: 1000), machine: refundMachine, now: Date()).refund
            let claims = try await fixture.store.claimTasks(owner: "w1", dueBy: Date().addingTimeInterval(1), limit: 10, lease: .seconds(30))
            let claim = try #require(claims.first { $0.kind == .refund })
            #expect(claim.purpose == .refund(.call))

            var stale = claim
            stale.fence -= 1
            await #expect(throws: StoreError.self) {
                try await fixture.store.applyRefundAnswers(
                    [RefundAnswer(refundID: refund.id, input: .answered(GatewayRefund(id: "re_1", amount: 1000, status: .pending)))],
                    of: attempt.id, machine: refundMachine, completing: stale, now: Date())
            }

            let applied = try await fixture.store.applyRefundAnswers(
                [RefundAnswer(refundID: refund.id, input: .answered(GatewayRefund(id: "re_1", amount: 1000, status: .pending)))],
                of: attempt.id, machine: refundMachine, completing: claim, now: Date())
            #expect(applied.map(\.refund.state) == [.pending])
            let pending = try #require(try await fixture.store.unfinishedRefunds(of: attempt.id).first)
            #expect(pending.gatewayRefundID == "re_1")
            #expect(pending.version == 2)

            let poll = try await fixture.store.claimTasks(owner: "w1", dueBy: Date().addingTimeInterval(60), limit: 10, lease: .seconds(30))
            let pollClaim = try #require(poll.first { $0.kind == .refund })
            #expect(pollClaim.purpose == .refund(.poll), "a pending refund is read back under the poll budget")
            let settled = try await fixture.store.applyRefundAnswers(
                [RefundAnswer(refundID: refund.id, input: .retrieved(GatewayRefund(id: "re_1", amount: 1000, status: .succeeded)))],
                of: attempt.id, machine: refundMachine, completing: pollClaim, now: Date())
            #expect(settled.first?.event == .refundSucceeded)
            #expect(try await fixture.store.unfinishedRefunds(of: attempt.id).isEmpty)
            let events = try await fixture.store.events(after: 0, limit: 100).filter { $0.type == .refundSucceeded }
            #expect(events.map(\.refundID) == [refund.id])
            let tasks = try await fixture.store.claimTasks(owner: "w1", dueBy: Date().addingTimeInterval(3600), limit: 10, lease: .seconds(30))
            #expect(!tasks.contains { $0.kind == .refund }, "no task is left once every refund is final")
        }
    }
}
