import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@testable import TenderSandbox

@Suite struct BankChaosTests {
    @Test(arguments: [
        (MagicBLIKCode.invalid, "invalid_blik_code"), (.expired, "blik_code_expired"), (.used, "blik_code_used"),
        (.insufficientFunds, "insufficient_funds"), (.doNotHonor, "do_not_honor"),
    ])
    func refusedCodesAre402VoucherErrorsAndLeaveTheSessionPayable(code: MagicBLIKCode, declineCode: String) async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await harness.api.newSessionID()
            let refused = try await harness.api.pay(id, code: code.rawValue)
            #expect(refused.status == 402)
            #expect(refused.error["type"] as? String == "voucher_error")
            #expect(refused.error["param"] as? String == "blik_code")
            #expect(refused.error["decline_code"] as? String == declineCode)
            #expect(try await harness.api.retrieve(id).string("status") == "open")
            #expect(try await harness.api.pay(id, code: "123456").status == 200)
            let session = await harness.sandbox.ledger().session(id)
            #expect(session?.payCalls == 2)
            #expect(session?.acceptedPayCalls == 1)
        }
    }

    @Test func theDeclineRateDeclinesWithInsufficientFundsOrDoNotHonor() async throws {
        try await withSandbox({ $0.bank.declineRate = 1 }) { harness in
            for _ in 0..<6 {
                let id = try await harness.api.newSessionID()
                let answer = try await harness.api.pay(id, code: "123456")
                #expect(answer.status == 402)
                #expect(["insufficient_funds", "do_not_honor"].contains(answer.error["decline_code"] as? String ?? ""))
            }
        }
    }

    @Test func theInvalidCodeRateRefusesCodesAsInvalid() async throws {
        try await withSandbox({ $0.bank.invalidCodeRate = 1 }) { harness in
            let id = try await harness.api.newSessionID()
            #expect(try await harness.api.pay(id, code: "123456").error["decline_code"] as? String == "invalid_blik_code")
        }
    }

    @Test func theExpiredAndUsedCodeRatesRefuseCodes() async throws {
        try await withSandbox({ $0.bank.expiredCodeRate = 1 }) { harness in
            let id = try await harness.api.newSessionID()
            #expect(try await harness.api.pay(id, code: "123456").error["decline_code"] as? String == "blik_code_expired")
        }
        try await withSandbox({ $0.bank.usedCodeRate = 1 }) { harness in
            let id = try await harness.api.newSessionID()
            #expect(try await harness.api.pay(id, code: "123456").error["decline_code"] as? String == "blik_code_used")
        }
    }

    @Test func aPayerWhoNeverConfirmsLetsTheSessionExpire() async throws {
        try await withSandbox({ $0.bank.neverConfirmRate = 1 }) { harness in
            let id = try await harness.api.newSessionID()
            #expect(try await harness.api.pay(id, code: "123456").string("status") == "open")
            #expect(try await eventually { try await harness.api.retrieve(id).string("status") == "expired" })
            // Deliveries run side by side: the created event may arrive after the expired one.
            #expect(try await eventually { await harness.inbox.received(sessionID: id).contains { $0.type == "session.expired" } })
            #expect(await harness.sandbox.ledger().charges.isEmpty)
        }
    }

    @Test func theNeverConfirmCodeLetsTheSessionExpire() async throws {
        try await withSandbox { harness in
            let id = try await harness.api.newSessionID()
            _ = try await harness.api.pay(id, code: MagicBLIKCode.neverConfirm.rawValue)
            #expect(try await eventually { try await harness.api.retrieve(id).string("status") == "expired" })
        }
    }

    @Test func immediateCompletionAnswersCompletedFromPay() async throws {
        try await withSandbox({ $0.bank.immediateCompletionRate = 1 }) { harness in
            let id = try await harness.api.newSessionID()
            #expect(try await harness.api.pay(id, code: "123456").string("status") == "completed")
            #expect(await harness.sandbox.ledger().charges.count == 1)
        }
        try await withSandbox { harness in
            let id = try await harness.api.newSessionID()
            #expect(try await harness.api.pay(id, code: MagicBLIKCode.immediateCompletion.rawValue).string("status") == "completed")
        }
    }

    @Test func aLateConfirmationCompletesAfterAnOrdinaryOne() async throws {
        try await withSandbox({
            $0.timeScale = 0.01
            $0.bank.confirmationDelay = .fixed(.seconds(1))
            $0.bank.lateCompletionDelay = .fixed(.seconds(800))  // 8 s at this scale: long enough for a loaded machine
        }) { harness in
            let late = try await harness.api.newSessionID()
            let ordinary = try await harness.api.newSessionID()
            _ = try await harness.api.pay(late, code: MagicBLIKCode.lateCompletion.rawValue)
            _ = try await harness.api.pay(ordinary, code: "123456")
            #expect(try await eventually { try await harness.api.retrieve(ordinary).string("status") == "completed" })
            #expect(try await harness.api.retrieve(late).string("status") == "open")
            #expect(try await eventually { try await harness.api.retrieve(late).string("status") == "completed" })
        }
    }

    @Test func theLateCompletionRateDelaysConfirmationsPastTheOrdinaryWindow() async throws {
        try await withSandbox({
            $0.timeScale = 0.01
            $0.bank.confirmationDelay = .fixed(.seconds(1))
            $0.bank.lateCompletionRate = 1
            $0.bank.lateCompletionDelay = .fixed(.seconds(800))  // 8 s at this scale: long enough for a loaded machine
        }) { harness in
            let id = try await harness.api.newSessionID()
            _ = try await harness.api.pay(id, code: "123456")
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await harness.api.retrieve(id).string("status") == "open")
            #expect(try await eventually { try await harness.api.retrieve(id).string("status") == "completed" })
        }
    }

    @Test func timeCompressionRunsNinetySecondConfirmationsInMilliseconds() async throws {
        try await withSandbox({ $0.timeScale = 0.001 }) { harness in
            let id = try await harness.api.newSessionID()
            _ = try await harness.api.pay(id, code: "123456")
            // Unscaled, the default 40–90 s confirmation could never finish within this wait.
            #expect(try await eventually(within: .seconds(30)) { try await harness.api.retrieve(id).string("status") == "completed" })
        }
    }

    @Test func theSameSeedDrawsTheSameDecisions() async throws {
        func outcomes() async throws -> [Int] {
            var statuses: [Int] = []
            try await withSandbox({
                $0.seed = 7
                $0.bank.declineRate = 0.5
                $0.manualBank = true
            }) { harness in
                for _ in 0..<12 {
                    let id = try await harness.api.newSessionID()
                    statuses.append(try await harness.api.pay(id, code: "123456").status)
                }
            }
            return statuses
        }
        let first = try await outcomes()
        let second = try await outcomes()
        #expect(first == second)
        #expect(Set(first) == [200, 402])
    }
}

@Suite struct WebhookChaosTests {
    @Test func droppedEventsAreNeverSent() async throws {
        try await withSandbox({ $0.webhooks.dropRate = 1 }) { harness in
            let id = try await harness.api.newSessionID()
            _ = try await harness.api.pay(id, code: "123456")
            #expect(try await eventually { try await harness.api.retrieve(id).string("status") == "completed" })
            try await Task.sleep(for: .milliseconds(100))
            #expect(await harness.inbox.received.isEmpty)
            let ledger = await harness.sandbox.ledger()
            #expect(ledger.webhookEvents.count == 2)
            #expect(ledger.webhookEvents.allSatisfy { $0.dropped })
            #expect(ledger.webhookAttempts.isEmpty)
        }
    }

    @Test func duplicatedEventsArriveTwiceWithTheSameID() async throws {
        try await withSandbox({
            $0.webhooks.duplicateRate = 1
            $0.manualBank = true
        }) { harness in
            let id = try await harness.api.newSessionID()
            try await harness.sandbox.complete(sessionID: id)
            #expect(try await eventually { await harness.inbox.received(sessionID: id).count == 4 })
            let received = await harness.inbox.received(sessionID: id)
            let counts = Dictionary(grouping: received, by: \.eventID).mapValues(\.count)
            #expect(counts.count == 2)
            #expect(counts.values.allSatisfy { $0 == 2 })
            #expect(await harness.sandbox.ledger().webhookEvents.allSatisfy { $0.duplicated })
        }
    }

    @Test func delayedEventsArriveAfterTheChange() async throws {
        try await withSandbox({
            $0.webhooks.sendsCreatedEvent = false
            $0.webhooks.delayRate = 1
            $0.webhooks.extraDelay = .fixed(.seconds(10_000))  // 10 s at this scale: not yet sent after the 200 ms below
            $0.manualBank = true
        }) { harness in
            let id = try await harness.api.newSessionID()
            try await harness.sandbox.complete(sessionID: id)
            try await Task.sleep(for: .milliseconds(200))
            #expect(await harness.inbox.received(sessionID: id).isEmpty)
            #expect(try await eventually { await harness.inbox.received(sessionID: id).count == 1 })
            #expect(await harness.sandbox.ledger().webhookEvents.first?.delayed == true)
        }
    }

    @Test func reorderedCreatedEventsArriveAfterTheCompletion() async throws {
        try await withSandbox({ $0.webhooks.reorderRate = 1 }) { harness in
            let id = try await harness.api.newSessionID()
            _ = try await harness.api.pay(id, code: "123456")
            #expect(try await eventually { await harness.inbox.received(sessionID: id).count == 2 })
            #expect(await harness.inbox.received(sessionID: id).map(\.type) == ["session.completed", "session.created"])
            #expect(await harness.sandbox.ledger().webhookEvents.first?.reordered == true)
        }
    }
}

@Suite struct EndpointChaosTests {
    @Test func theServerErrorRateAnswers500WithoutApplying() async throws {
        try await withSandbox({ $0.endpoints[.create] = EndpointChaos(serverErrorRate: 1) }) { harness in
            let answer = try await harness.api.createSession()
            #expect(answer.status == 500)
            #expect(answer.error["type"] as? String == "api_error")
            let ledger = await harness.sandbox.ledger()
            #expect(ledger.sessions.isEmpty)
            #expect(ledger.requestCount(.create) == 1)
        }
    }

    @Test func theKeyInUseRateAnswers409WithoutApplyingAndOnlyToKeyedRequests() async throws {
        try await withSandbox({ $0.endpoints[.create] = EndpointChaos(keyInUseRate: 1) }) { harness in
            let keyed = try await harness.api.createSession(idempotencyKey: "k-1")
            #expect(keyed.status == 409)
            #expect(await harness.sandbox.ledger().sessions.isEmpty)
            let unkeyed = try await harness.api.createSession()
            #expect(unkeyed.status == 200, "a request without a key cannot find its key in use")
        }
    }

    @Test func aSlowEndpointOutlastsAShortClientTimeout() async throws {
        try await withSandbox({ $0.endpoints[.retrieve] = EndpointChaos(slowRate: 1, slowDelay: .fixed(.seconds(3))) }) { harness in
            let id = try await harness.api.newSessionID()
            await #expect(throws: (any Error).self) {
                _ = try await harness.api.send(.GET, "/v1/checkout/sessions/\(id)", timeout: .milliseconds(300))
            }
            let created = try await harness.api.createSession()
            #expect(created.status == 200)
        }
    }

    @Test func acceptThenTimeoutAppliesThePayButTheClientNeverHearsOfIt() async throws {
        try await withSandbox({
            $0.endpoints[.pay] = EndpointChaos(acceptThenTimeoutRate: 1, timeoutDelay: .seconds(600))
            $0.manualBank = true
        }) { harness in
            let id = try await harness.api.newSessionID()
            try await Self.expectPayAppliedWithTheAnswerHeld(harness, session: id, code: "123456")
            #expect(try await harness.api.retrieve(id).string("status") == "open")
        }
    }

    @Test func theAcceptThenTimeoutCodeAppliesThePayButHoldsTheAnswer() async throws {
        try await withSandbox({
            $0.endpoints[.pay] = EndpointChaos(timeoutDelay: .seconds(600))
            $0.manualBank = true
        }) { harness in
            let id = try await harness.api.newSessionID()
            try await Self.expectPayAppliedWithTheAnswerHeld(harness, session: id, code: MagicBLIKCode.acceptThenTimeout.rawValue)
        }
    }

    /// Pays session `id` and gives up on the answer once the sandbox has applied the pay: the
    /// client never hears of it, however long the request took to arrive.
    static func expectPayAppliedWithTheAnswerHeld(_ harness: SandboxHarness, session id: String, code: String) async throws {
        let pay = Task { try await harness.api.pay(id, code: code, timeout: .seconds(600)) }
        let applied = try await eventually(within: .seconds(120)) { await harness.sandbox.ledger().session(id)?.acceptedPayCalls == 1 }
        pay.cancel()
        #expect(applied, "waiting for the sandbox to apply the pay")
        await #expect(throws: (any Error).self, "the answer was held, so the client only gave up") { _ = try await pay.value }
    }

    @Test func requestsAreCountedPerEndpoint() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await harness.api.newSessionID()
            _ = try await harness.api.retrieve(id)
            _ = try await harness.api.retrieve(id)
            _ = try await harness.api.pay(id, code: "123")
            let ledger = await harness.sandbox.ledger()
            #expect(ledger.requestCount(.create) == 1)
            #expect(ledger.requestCount(.retrieve) == 2)
            #expect(ledger.requestCount(.pay) == 1)
            #expect(ledger.requestCount(.refund) == 0)
        }
    }
}
