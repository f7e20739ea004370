import Crypto
import Foundation
import Testing

@testable import TenderSandbox

/// Recomputes a signature independently of the sandbox: HMAC-SHA-256 keyed with the raw SHA-256
/// digest of the secret key, over the timestamp string followed by the body, in lower-case hex.
func expectedSignature(secretKey: String, timestamp: String, body: [UInt8]) -> String {
    let key = SymmetricKey(data: Data(SHA256.hash(data: Data(secretKey.utf8))))
    let mac = HMAC<SHA256>.authenticationCode(for: Data(timestamp.utf8) + Data(body), using: key)
    return Data(mac).map { String(format: "%02x", $0) }.joined()
}

@Suite struct WebhookTests {
    @Test func aConfirmedPaymentSendsCreatedThenCompletedSignedEvents() async throws {
        try await withSandbox { harness in
            let id = try await harness.api.newSessionID()
            #expect(try await eventually { await harness.inbox.received(sessionID: id).count == 1 })
            #expect(try await harness.api.pay(id, code: "123456").string("status") == "open")
            #expect(try await eventually { await harness.inbox.received(sessionID: id).count == 2 })
            let received = await harness.inbox.received(sessionID: id)
            #expect(received.map(\.type) == ["session.created", "session.completed"])
            for webhook in received {
                let timestamp = try #require(webhook.timestamp)
                let age = abs(Int(Date().timeIntervalSince1970) - (Int(timestamp) ?? 0))
                #expect(age < 60)
                #expect(webhook.signature == expectedSignature(secretKey: testSecretKey, timestamp: timestamp, body: webhook.body))
                #expect(webhook.contentType == "application/json")
                #expect(Set(webhook.json.keys) == ["id", "type", "created_at", "data"])
                #expect(webhook.eventID.hasPrefix("evt_"))
            }
            let completed = try #require(received.last)
            #expect((completed.json["data"] as? [String: Any])?["status"] as? String == "completed")
            #expect(try await harness.api.retrieve(id).string("status") == "completed")
            let ledger = await harness.sandbox.ledger()
            #expect(ledger.charges.map(\.sessionID) == [id])
            #expect(ledger.webhookAttempts(sessionID: id).allSatisfy { $0.succeeded })
        }
    }

    @Test func theSignatureMatchesTheDocumentedVectorRecomputedWithOpenSSL() throws {
        let body =
            #"{"id":"evt_1","type":"session.completed","created_at":1732470000,"data":{"status":"completed","session_id":"AW-kLcRRC5P8U68CYe0kVA"}}"#
        let secret = "sk_test_BQokikJOvBiI2HlWgH4olfQ2"
        let signature = WebhookSigner(secretKey: secret).signature(timestamp: 1_732_470_000, body: Array(body.utf8))
        let keyHex = SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = ["dgst", "-sha256", "-mac", "HMAC", "-macopt", "hexkey:\(keyHex)", "-r"]
        let input = Pipe()
        let output = Pipe()
        openssl.standardInput = input
        openssl.standardOutput = output
        try openssl.run()
        input.fileHandleForWriting.write(Data(("1732470000" + body).utf8))
        try input.fileHandleForWriting.close()
        openssl.waitUntilExit()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let fromOpenSSL = String(printed.prefix { !$0.isWhitespace })
        #expect(fromOpenSSL.count == 64)
        #expect(signature == fromOpenSSL)
    }

    @Test func aSessionsNotificationURLOverridesTheConfiguredOne() async throws {
        try await withSandbox({ $0.webhookURL = "http://127.0.0.1:1/nowhere" }) { harness in
            let id = try await harness.api.newSessionID(extra: [("notification_url", harness.webhookURL)])
            #expect(try await eventually { await harness.inbox.received(sessionID: id).count == 1 })
            #expect(await harness.sandbox.ledger().webhookEvents.first?.destination == harness.webhookURL)
        }
    }

    @Test func withoutAnyWebhookURLEventsAreRecordedButNotSent() async throws {
        try await withSandbox({
            $0.webhookURL = nil
            $0.manualBank = true
        }) { harness in
            let id = try await harness.api.newSessionID()
            try await harness.sandbox.complete(sessionID: id)
            let ledger = await harness.sandbox.ledger()
            #expect(ledger.webhookEvents.map(\.type) == [.sessionCreated, .sessionCompleted])
            #expect(ledger.webhookEvents.allSatisfy { $0.destination == nil })
            #expect(ledger.webhookAttempts.isEmpty)
        }
    }

    @Test func theCreatedEventCanBeSwitchedOff() async throws {
        try await withSandbox({
            $0.webhooks.sendsCreatedEvent = false
            $0.manualBank = true
        }) { harness in
            let id = try await harness.api.newSessionID()
            try await harness.sandbox.complete(sessionID: id)
            #expect(try await eventually { await harness.inbox.received(sessionID: id).count == 1 })
            #expect(await harness.inbox.received(sessionID: id).map(\.type) == ["session.completed"])
        }
    }

    @Test func aFailedDeliveryIsRetriedWithTheSameEvent() async throws {
        try await withSandbox(
            failFirstWebhooks: 2,
            {
                $0.webhooks.sendsCreatedEvent = false
                $0.manualBank = true
            }
        ) { harness in
            let id = try await harness.api.newSessionID()
            try await harness.sandbox.complete(sessionID: id)
            #expect(try await eventually { await harness.sandbox.ledger().webhookAttempts(sessionID: id).count == 3 })
            let received = await harness.inbox.received(sessionID: id)
            #expect(Set(received.map(\.eventID)).count == 1)
            let attempts = await harness.sandbox.ledger().webhookAttempts(sessionID: id)
            #expect(attempts.map(\.attempt) == [1, 2, 3])
            #expect(attempts.map(\.statusCode) == [500, 500, 200])
        }
    }

    @Test func retriesBackOffExponentiallyAfterTheQuickOnes() {
        let policy = WebhookChaos.RetryPolicy()
        #expect((1...4).map { policy.delay(after: $0) } == Array(repeating: .seconds(1), count: 4))
        #expect(policy.delay(after: 5) == .seconds(30))
        #expect(policy.delay(after: 6) == .seconds(60))
        #expect(policy.delay(after: 7) == .seconds(120))
        #expect(policy.delay(after: 40) == .seconds(3600))
    }

    @Test func anUnreachableReceiverIsRecordedAsAnError() async throws {
        try await withSandbox({
            $0.webhookURL = "http://127.0.0.1:1/nowhere"
            $0.webhooks.retry.quickRetries = 0
            $0.webhooks.retry.giveUpAfter = .zero
            $0.webhooks.requestTimeout = .milliseconds(300)
        }) { harness in
            _ = try await harness.api.newSessionID()
            #expect(try await eventually { await !harness.sandbox.ledger().webhookAttempts.isEmpty })
            let attempt = try #require(await harness.sandbox.ledger().webhookAttempts.first)
            #expect(attempt.statusCode == nil)
            #expect(attempt.error != nil)
            #expect(!attempt.succeeded)
        }
    }
}
