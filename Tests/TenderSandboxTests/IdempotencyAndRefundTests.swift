import Foundation
import Testing

@testable import TenderSandbox

@Suite struct IdempotencyTests {
    @Test func theSameKeyAndRequestReplayTheStoredAnswer() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let first = try await harness.api.createSession(idempotencyKey: "key-1")
            let replay = try await harness.api.createSession(idempotencyKey: "key-1")
            #expect(first.status == 200)
            #expect(replay.status == 200)
            #expect(replay.string("id") == first.string("id"))
            #expect(replay.body == first.body)
            #expect(replay.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(first.headers.first(name: "Idempotent-Replayed") == nil)
            #expect(await harness.sandbox.ledger().sessions.count == 1)
        }
    }

    @Test func aKeyReusedWithOtherParametersOrPathIs409() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let first = try await harness.api.createSession(amount: 1000, idempotencyKey: "key-2")
            let otherAmount = try await harness.api.createSession(amount: 2000, idempotencyKey: "key-2")
            let id = try #require(first.string("id"))
            let otherPath = try await harness.api.pay(id, code: "123456", idempotencyKey: "key-2")
            #expect(otherAmount.status == 409)
            #expect(otherAmount.error["type"] as? String == "invalid_request_error")
            #expect(otherPath.status == 409)
            let ledger = await harness.sandbox.ledger()
            #expect(ledger.sessions.count == 1)
            #expect(ledger.session(id)?.acceptedPayCalls == 0)
        }
    }

    @Test func aReplayedPayIsNotASecondPayCall() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await harness.api.newSessionID()
            let first = try await harness.api.pay(id, code: "123456", idempotencyKey: "pay-1")
            let replay = try await harness.api.pay(id, code: "123456", idempotencyKey: "pay-1")
            #expect(first.status == 200)
            #expect(replay.status == 200)
            #expect(await harness.sandbox.ledger().session(id)?.payCalls == 1)
        }
    }

    @Test func serverErrorsAreNotStoredUnderTheKey() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await harness.api.newSessionID()
            let failed = try await harness.api.pay(id, code: MagicBLIKCode.serverError.rawValue, idempotencyKey: "pay-2")
            #expect(failed.status == 500)
            #expect(failed.error["type"] as? String == "api_error")
            let retried = try await harness.api.pay(id, code: "123456", idempotencyKey: "pay-2")
            #expect(retried.status == 200)
            #expect(await harness.sandbox.ledger().session(id)?.acceptedPayCalls == 1)
        }
    }

    @Test func clientErrorsAreStoredAndReplayed() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await harness.api.newSessionID()
            let refused = try await harness.api.pay(id, code: MagicBLIKCode.invalid.rawValue, idempotencyKey: "pay-3")
            let replay = try await harness.api.pay(id, code: MagicBLIKCode.invalid.rawValue, idempotencyKey: "pay-3")
            #expect(refused.status == 402)
            #expect(replay.status == 402)
            #expect(replay.headers.first(name: "Idempotent-Replayed") == "true")
            #expect(await harness.sandbox.ledger().session(id)?.payCalls == 1)
        }
    }
}

@Suite struct RefundTests {
    /// A completed session of 1000.
    private func completedSession(_ harness: SandboxHarness) async throws -> String {
        let id = try await harness.api.newSessionID()
        try await harness.sandbox.complete(sessionID: id)
        return id
    }

    @Test func partialRefundsAddUpAndMoreThanIsLeftIsRefused() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await self.completedSession(harness)
            let first = try await harness.api.send(
                .POST,
                "/v1/refunds",
                form: [("session_id", id), ("amount", "600"), ("reason", "requested_by_customer")]
            )
            #expect(first.status == 200)
            #expect(Set(first.json.keys) == ["id", "amount", "status", "reason", "created_at", "livemode", "session_id", "metadata"])
            #expect(first.int("amount") == 600)
            #expect(first.string("status") == "pending")
            #expect(first.string("reason") == "requested_by_customer")
            #expect(first.string("session_id") == id)

            let tooMuch = try await harness.api.send(.POST, "/v1/refunds", form: [("session_id", id), ("amount", "401")])
            #expect(tooMuch.status == 400)
            #expect(tooMuch.error["param"] as? String == "amount")

            let rest = try await harness.api.send(.POST, "/v1/refunds", form: [("session_id", id)])
            #expect(rest.status == 200)
            #expect(rest.int("amount") == 400)

            let session = try await harness.api.retrieve(id)
            #expect(session.int("amount_refunded") == 1000)
            #expect(session.json["refunded"] as? Bool == true)
            #expect((session.json["refunds"] as? [[String: Any]])?.count == 2)

            let nothingLeft = try await harness.api.send(.POST, "/v1/refunds", form: [("session_id", id), ("amount", "1")])
            #expect(nothingLeft.status == 400)
            #expect(await harness.sandbox.ledger().refunds.map(\.amount) == [600, 400])
        }
    }

    @Test func onlyCompletedSessionsCanBeRefunded() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let open = try await harness.api.newSessionID()
            let answer = try await harness.api.send(.POST, "/v1/refunds", form: [("session_id", open), ("amount", "100")])
            #expect(answer.status == 400)
            #expect(answer.error["type"] as? String == "invalid_request_error")
            #expect(answer.error["param"] as? String == "session_id")
            let unknown = try await harness.api.send(.POST, "/v1/refunds", form: [("session_id", "nope")])
            #expect(unknown.status == 404)
            #expect(await harness.sandbox.ledger().refunds.isEmpty)
        }
    }

    @Test func anInvalidReasonOrAmountIs400() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await self.completedSession(harness)
            let reason = try await harness.api.send(.POST, "/v1/refunds", form: [("session_id", id), ("reason", "bored")])
            let amount = try await harness.api.send(.POST, "/v1/refunds", form: [("session_id", id), ("amount", "-5")])
            #expect(reason.error["param"] as? String == "reason")
            #expect(amount.error["param"] as? String == "amount")
        }
    }

    @Test func aPendingRefundSettlesAsSucceeded() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await self.completedSession(harness)
            let refund = try await harness.api.send(.POST, "/v1/refunds", form: [("session_id", id), ("amount", "100")])
            let refundID = try #require(refund.string("id"))
            #expect(try await eventually { try await harness.api.send(.GET, "/v1/refunds/\(refundID)").string("status") == "succeeded" })
            #expect(await harness.sandbox.ledger().refunds.first?.status == .succeeded)
        }
    }

    @Test func aFailedRefundGivesTheAmountBack() async throws {
        try await withSandbox({
            $0.manualBank = true
            $0.bank.refundFailureRate = 1
        }) { harness in
            let id = try await self.completedSession(harness)
            let refund = try await harness.api.send(.POST, "/v1/refunds", form: [("session_id", id)])
            let refundID = try #require(refund.string("id"))
            #expect(try await eventually { try await harness.api.send(.GET, "/v1/refunds/\(refundID)").string("status") == "failed" })
            #expect(try await harness.api.retrieve(id).int("amount_refunded") == 0)
        }
    }
}
