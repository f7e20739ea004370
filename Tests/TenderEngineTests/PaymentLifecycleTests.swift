import Foundation
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// End to end: real PostgreSQL, the sandbox gateway over HTTP, webhooks over HTTP.
@Suite("Payment lifecycle", .serialized)
struct PaymentLifecycleTests {
    /// The bank confirms after 0.4–0.8 s; with polls sparse, the webhook brings the news.
    static func bank(confirmingWithin range: ClosedRange<Duration> = .milliseconds(400) ... .milliseconds(800)) -> BankBehavior {
        BankBehavior(confirmationDelay: .uniform(range))
    }

    /// Polls so sparse that only the webhook can bring the news first, however slow the machine.
    static var webhookOnlyPolicy: AttemptPolicy {
        var policy = AttemptPolicy.fastForTests
        policy.confirmationWindow = .seconds(90)
        policy.firstPollDelay = .seconds(60)
        policy.pollInterval = .seconds(60)
        return policy
    }

    /// A window of 10 s: an attempt whose payer never confirms, or that the bank holds, expires then,
    /// and one the bank confirms at once completes well within it.
    static var shortWindowPolicy: AttemptPolicy {
        var policy = AttemptPolicy.fastForTests
        policy.confirmationWindow = .seconds(10)
        policy.gracePeriod = .seconds(60)
        return policy
    }

    @Test func paymentCompletesThroughTheWebhook() async throws {
        let policy = Self.webhookOnlyPolicy
        try await EngineHarness.run(sandbox: SandboxConfiguration(secretKey: "", bank: Self.bank()), policy: policy) { harness in
            let submitted = try await harness.submit()
            let attempt = try await harness.waitFor(submitted.id, in: [.completed, .failed, .expired])
            #expect(attempt.state == .completed)
            #expect(attempt.outcomeSource == .webhook)
            #expect(attempt.code == nil)
            let sessionID = try #require(attempt.sessionID)
            let session = try #require(await harness.sandbox.ledger().session(sessionID))
            #expect(session.status == .completed)
            #expect(session.acceptedPayCalls == 1)
            let events = try await harness.events(of: attempt.id).map(\.type)
            #expect(events == [.awaitingConfirmation, .completed])
        }
    }

    @Test func paymentCompletesThroughPollsWhenEveryWebhookIsLost() async throws {
        let sandbox = SandboxConfiguration(secretKey: "", bank: Self.bank(), webhooks: WebhookChaos(dropRate: 1))
        try await EngineHarness.run(sandbox: sandbox) { harness in
            let submitted = try await harness.submit()
            let attempt = try await harness.waitFor(submitted.id, in: [.completed, .failed, .expired])
            #expect(attempt.state == .completed)
            #expect(attempt.outcomeSource == .poll)
        }
    }

    @Test("polls that find the payer still confirming are counted on the attempt; the history keeps what changed something")
    func quietPollsWhileThePayerConfirms() async throws {
        let sandbox = SandboxConfiguration(secretKey: "", webhooks: WebhookChaos(dropRate: 1))
        try await EngineHarness.run(sandbox: sandbox) { harness in
            let submitted = try await harness.submit(code: MagicBLIKCode.hold.rawValue)
            var waiting: Attempt?
            let polled = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                waiting = try await harness.store.attempt(submitted.id)
                return waiting?.quietPolls ?? 0 >= 3
            }
            #expect(polled)
            let session = try #require(waiting?.sessionID)
            try await harness.sandbox.complete(sessionID: session)
            let attempt = try await harness.waitFor(submitted.id, in: [.completed, .failed, .expired])
            #expect(attempt.state == .completed && attempt.outcomeSource == .poll)
            #expect(attempt.quietPolls >= 3 && attempt.lastQuietPollAt.map { $0 <= attempt.resolvedAt ?? .distantPast } == true)
            let record = try #require(try await harness.store.payment(attempt.paymentID))
            #expect(record.history.map(\.version) == Array(1...attempt.version), "one row per version")
            #expect(!record.history.contains { $0.input == "fetched" && $0.fromState == $0.toState }, "no poll that learned nothing")
            #expect(try await harness.events(of: attempt.id).map(\.type) == [.awaitingConfirmation, .completed])
        }
    }

    @Test func duplicatedAndReorderedWebhooksCompleteOnce() async throws {
        let sandbox = SandboxConfiguration(
            secretKey: "", bank: Self.bank(), webhooks: WebhookChaos(sendsCreatedEvent: true, duplicateRate: 1, reorderRate: 1)
        )
        try await EngineHarness.run(sandbox: sandbox) { harness in
            let submitted = try await harness.submit()
            let attempt = try await harness.waitFor(submitted.id, in: [.completed, .failed, .expired])
            #expect(attempt.state == .completed)
            try await Task.sleep(for: .seconds(1))  // let the duplicates arrive
            let record = try #require(try await harness.engine.payment(attempt.paymentID))
            #expect(record.history.filter { $0.toState == .completed && $0.fromState != .completed }.count == 1)
            #expect(try await harness.events(of: attempt.id).filter { $0.type == .completed }.count == 1)
        }
    }

    @Test(arguments: [("000001", DeclineReason.invalidCode), ("000004", .insufficientFunds), ("000005", .doNotHonor)])
    func declinedCodeFailsWithTheReason(code: String, reason: DeclineReason) async throws {
        try await EngineHarness.run { harness in
            let submitted = try await harness.submit(code: code)
            let attempt = try await harness.waitFor(submitted.id, in: [.completed, .failed, .expired])
            #expect(attempt.state == .failed)
            #expect(attempt.failure == .declined(reason))
            #expect(attempt.code == nil)
            let failed = try #require(try await harness.events(of: attempt.id).last)
            #expect(failed.type == .failed)
            #expect(failed.asksForNewCode)
        }
    }

    @Test func unconfirmedAttemptExpiresAtItsDeadlineAndAsksForANewCode() async throws {
        try await EngineHarness.run(policy: Self.shortWindowPolicy) { harness in
            let submitted = try await harness.submit(code: "000010")
            let attempt = try await harness.waitFor(submitted.id, in: [.completed, .failed, .expired])
            #expect(attempt.state == .expired)
            #expect(attempt.outcomeSource == .deadline)
            #expect(try #require(attempt.resolvedAt) >= attempt.deadline)
            let expired = try #require(try await harness.events(of: attempt.id).last)
            #expect(expired.type == .expired)
            #expect(expired.asksForNewCode)
        }
    }

    @Test func callHeldPastTheDeadlineIsNotMadeAndTheAttemptExpires() async throws {
        try await EngineHarness.run { harness in
            // Submitted ten seconds before its window ended, as if a backlog had held its first call
            // since: both the call and the deadline are overdue when the engine sees them, while the
            // session it would open could still live (its expiry is 30 s past the deadline).
            let request = SubmitRequest(
                idempotencyKey: UUID().uuidString,
                submission: AttemptMachine.Submission(
                    paymentID: PaymentID(rawValue: UUID().uuidString), amount: try Money(minorUnits: 1000, currency: .pln),
                    customer: try Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski"),
                    code: try BLIKCode("123456")
                )
            )
            let window = AttemptPolicy.fastForTests.confirmationWindow.timeInterval
            let attempt = try await harness.store.submit(request, machine: harness.engine.machine, now: Date() - window - 10).attempt
            let expired = try await harness.waitFor(attempt.id, in: [.expired, .failed, .completed])
            #expect(expired.state == .expired)
            #expect(expired.sessionID == nil)
            #expect(await harness.sandbox.ledger().sessions.isEmpty, "no session was opened for a stale code")
            #expect(try await harness.events(of: attempt.id).map(\.type) == [.expired])
        }
    }

    @Test func completionAfterExpiryIsAcceptedAndFlaggedLate() async throws {
        try await EngineHarness.run(policy: Self.shortWindowPolicy) { harness in
            // 000013: the bank holds the payment until the test completes it, after the deadline.
            let submitted = try await harness.submit(code: "000013")
            let expired = try await harness.waitFor(submitted.id, in: [.expired, .failed, .completed])
            #expect(expired.state == .expired)
            let sessionID = try #require(expired.sessionID)
            try await harness.sandbox.complete(sessionID: sessionID)
            let attempt = try await harness.waitFor(submitted.id, in: [.completed])
            #expect(attempt.late)
            #expect(try await harness.events(of: attempt.id).map(\.type).suffix(2) == [.expired, .completedLate])
        }
    }

    @Test func secondAttemptAfterAnExpirySucceeds() async throws {
        try await EngineHarness.run(sandbox: SandboxConfiguration(secretKey: "", bank: Self.bank()), policy: Self.shortWindowPolicy) { harness in
            let payment = UUID().uuidString
            let first = try await harness.submit(payment, code: "000010")
            _ = try await harness.waitFor(first.id, in: [.expired])
            let second = try await harness.submit(payment, code: "123456")
            let attempt = try await harness.waitFor(second.id, in: [.completed, .failed, .expired])
            #expect(attempt.state == .completed)
            let record = try #require(try await harness.engine.payment(PaymentID(rawValue: payment)))
            #expect(record.state == .completed)
            #expect(record.completedAttemptID == second.id)
        }
    }

    @Test func payThatTimesOutAfterTheGatewayAcceptedItChargesOnce() async throws {
        let sandbox = SandboxConfiguration(
            secretKey: "", bank: Self.bank(), endpoints: [.pay: EndpointChaos(timeoutDelay: .seconds(3))]
        )
        try await EngineHarness.run(sandbox: sandbox, readTimeout: .milliseconds(500)) { harness in
            let submitted = try await harness.submit(code: "000021")
            let attempt = try await harness.waitFor(submitted.id, in: [.completed, .failed, .expired])
            #expect(attempt.state == .completed)
            let sessionID = try #require(attempt.sessionID)
            let session = try #require(await harness.sandbox.ledger().session(sessionID))
            #expect(session.acceptedPayCalls == 1)
            #expect(await harness.sandbox.ledger().charges.filter { $0.sessionID == session.id }.count == 1)
        }
    }

    @Test func createsAndPaysAnswered409AreReplayedUntilTheyAreAnsweredAndChargeOnce() async throws {
        // Half the creates and pays find their key in use, as when an earlier request under the
        // key is still being handled.
        let keyInUse = EndpointChaos(keyInUseRate: 0.5)
        let sandbox = SandboxConfiguration(secretKey: "", bank: Self.bank(), endpoints: [.create: keyInUse, .pay: keyInUse])
        try await EngineHarness.run(sandbox: sandbox) { harness in
            var attempts: [Attempt] = []
            for index in 0..<12 {
                attempts.append(try await harness.submit(code: String(format: "%06d", 400_000 + index)))
            }
            for submitted in attempts {
                let attempt = try await harness.waitFor(submitted.id, in: [.completed, .failed, .expired])
                #expect(attempt.state == .completed, "\(attempt.id) ended \(attempt.state) after \(attempt.failure.map { "\($0)" } ?? "no failure")")
            }
            let ledger = await harness.sandbox.ledger()
            #expect(ledger.sessions.count == attempts.count, "one session per attempt: a 409 applied nothing")
            #expect(ledger.sessions.allSatisfy { $0.acceptedPayCalls == 1 })
            #expect(ledger.charges.count == attempts.count)
            #expect(ledger.requestCount(.create) > attempts.count, "some creates were answered 409 and replayed")
        }
    }

    @Test func webhookBeforeThePayCallReturnedIsNotLost() async throws {
        let sandbox = SandboxConfiguration(
            secretKey: "", bank: Self.bank(confirmingWithin: .milliseconds(50) ... .milliseconds(100)),
            endpoints: [.pay: EndpointChaos(timeoutDelay: .milliseconds(1500))]
        )
        try await EngineHarness.run(sandbox: sandbox, policy: Self.webhookOnlyPolicy) { harness in
            // 000021: the pay is applied at once and its answer held back for 1.5 s, while the
            // bank confirms within 100 ms and its webhook arrives first.
            let submitted = try await harness.submit(code: "000021")
            let attempt = try await harness.waitFor(submitted.id, in: [.completed, .failed, .expired])
            #expect(attempt.state == .completed)
            #expect(attempt.outcomeSource == .webhook)
        }
    }
}
