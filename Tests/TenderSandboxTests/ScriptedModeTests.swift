import AsyncHTTPClient
import Foundation
import Testing

@testable import TenderSandbox

@Suite struct ScriptedModeTests {
    @Test func inManualModeNothingHappensUntilTheTestSaysSo() async throws {
        try await withSandbox({
            $0.manualBank = true
            $0.bank.confirmationDelay = .fixed(.milliseconds(1))
        }) { harness in
            let id = try await harness.api.newSessionID()
            _ = try await harness.api.pay(id, code: "123456")
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await harness.api.retrieve(id).string("status") == "open")
            try await harness.sandbox.complete(sessionID: id)
            #expect(try await harness.api.retrieve(id).string("status") == "completed")
            #expect(try await eventually { await harness.inbox.received(sessionID: id).contains { $0.type == "session.completed" } })
        }
    }

    @Test func expireEndsAnOpenSession() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await harness.api.newSessionID()
            try await harness.sandbox.expire(sessionID: id)
            #expect(try await harness.api.retrieve(id).string("status") == "expired")
            #expect(try await eventually { await harness.inbox.received(sessionID: id).contains { $0.type == "session.expired" } })
        }
    }

    @Test func completingOrExpiringAFinishedOrUnknownSessionThrows() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await harness.api.newSessionID()
            try await harness.sandbox.complete(sessionID: id)
            await #expect(throws: SandboxError(code: .sessionNotOpen, sessionID: id)) {
                try await harness.sandbox.expire(sessionID: id)
            }
            await #expect(throws: SandboxError(code: .unknownSession, sessionID: "nope")) {
                try await harness.sandbox.complete(sessionID: "nope")
            }
        }
    }

    @Test func aHeldSessionWaitsUntilReleased() async throws {
        try await withSandbox({
            $0.bank.confirmationDelay = .fixed(.milliseconds(20))
            $0.timeScale = 1
        }) { harness in
            let id = try await harness.api.newSessionID()
            try await harness.sandbox.hold(sessionID: id)
            _ = try await harness.api.pay(id, code: "123456")
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await harness.api.retrieve(id).string("status") == "open")
            try await harness.sandbox.release(sessionID: id)
            #expect(try await eventually { try await harness.api.retrieve(id).string("status") == "completed" })
        }
    }

    @Test func theHoldCodeWaitsForTheTest() async throws {
        try await withSandbox({ $0.bank.confirmationDelay = .fixed(.milliseconds(1)) }) { harness in
            let id = try await harness.api.newSessionID()
            _ = try await harness.api.pay(id, code: MagicBLIKCode.hold.rawValue)
            try await Task.sleep(for: .milliseconds(100))
            #expect(try await harness.api.retrieve(id).string("status") == "open")
            try await harness.sandbox.expire(sessionID: id)
            #expect(try await harness.api.retrieve(id).string("status") == "expired")
        }
    }

    @Test func deliverWebhookSendsExactlyTheEventAskedFor() async throws {
        try await withSandbox({
            $0.manualBank = true
            $0.webhooks.dropRate = 1
        }) { harness in
            let id = try await harness.api.newSessionID()
            let eventID = try await harness.sandbox.deliverWebhook(sessionID: id, type: .sessionCompleted)
            #expect(try await eventually { await harness.inbox.received(sessionID: id).count == 1 })
            let received = try #require(await harness.inbox.received(sessionID: id).first)
            #expect(received.eventID == eventID)
            #expect(received.type == "session.completed")
            #expect((received.json["data"] as? [String: Any])?["status"] as? String == "open")
            #expect(await harness.sandbox.ledger().webhookEvents.last?.scripted == true)
            await #expect(throws: SandboxError.self) {
                try await harness.sandbox.deliverWebhook(sessionID: "nope", type: .sessionCreated)
            }
        }
    }

    @Test func theControlRoutesDriveASessionFromAnotherProcess() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await harness.api.newSessionID()
            let completed = try await harness.api.send(.POST, "/_sandbox/sessions/\(id)/complete", credentials: .none)
            #expect(completed.status == 200)
            #expect(completed.string("status") == "completed")
            let again = try await harness.api.send(.POST, "/_sandbox/sessions/\(id)/expire", credentials: .none)
            #expect(again.status == 409)
            let unknown = try await harness.api.send(.POST, "/_sandbox/sessions/nope/complete", credentials: .none)
            #expect(unknown.status == 404)
        }
    }
}

@Suite struct LedgerTests {
    @Test func theLedgerRecordsSessionsChargesRefundsAndDeliveries() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let paid = try await harness.api.newSessionID()
            let abandoned = try await harness.api.newSessionID()
            _ = try await harness.api.pay(paid, code: "123456")
            _ = try await harness.api.pay(abandoned, code: MagicBLIKCode.doNotHonor.rawValue)
            try await harness.sandbox.complete(sessionID: paid)
            try await harness.sandbox.expire(sessionID: abandoned)
            _ = try await harness.api.send(.POST, "/v1/refunds", form: [("session_id", paid), ("amount", "300")])
            #expect(try await eventually { await harness.sandbox.ledger().webhookAttempts.count == 4 })

            let ledger = await harness.sandbox.ledger()
            #expect(ledger.sessions.map(\.id) == [paid, abandoned])
            #expect(ledger.session(paid)?.status == .completed)
            #expect(ledger.session(paid)?.amountRefunded == 300)
            #expect(ledger.session(paid)?.completedAt != nil)
            #expect(ledger.session(abandoned)?.status == .expired)
            #expect(ledger.session(abandoned)?.payCalls == 1)
            #expect(ledger.session(abandoned)?.acceptedPayCalls == 0)
            #expect(ledger.charges.map(\.sessionID) == [paid])
            #expect(ledger.charges.map(\.amount) == [1000])
            #expect(ledger.refunds.map(\.sessionID) == [paid])
            #expect(ledger.webhookEvents.map(\.type).filter { $0 == .sessionCreated }.count == 2)
            #expect(Set(ledger.webhookAttempts.map(\.eventID)) == Set(ledger.webhookEvents.map(\.id)))
            #expect(ledger.requestCount(.refund) == 1)
        }
    }

    @Test func theLedgerOverHTTPEqualsTheLedgerInProcess() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await harness.api.newSessionID()
            _ = try await harness.api.pay(id, code: "123456")
            try await harness.sandbox.complete(sessionID: id)
            #expect(try await eventually { await harness.sandbox.ledger().webhookAttempts.count == 2 })
            let answer = try await harness.api.send(.GET, "/_sandbox/ledger", credentials: .none)
            #expect(answer.status == 200)
            let overHTTP = try SandboxLedger.decode(from: Data(answer.body))
            let inProcess = await harness.sandbox.ledger()
            #expect(overHTTP.sessions.map(\.id) == inProcess.sessions.map(\.id))
            #expect(overHTTP.sessions.map(\.acceptedPayCalls) == [1])
            #expect(overHTTP.charges.map(\.sessionID) == [id])
            #expect(overHTTP.webhookAttempts.map(\.eventID) == inProcess.webhookAttempts.map(\.eventID))
            #expect(overHTTP.requestCounts == inProcess.requestCounts)
        }
    }
}
