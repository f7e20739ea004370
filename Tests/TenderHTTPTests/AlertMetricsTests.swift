import AsyncHTTPClient
import EphemeralPostgres
import Foundation
import NIOCore
import TenderClient
import TenderSandbox
import TenderTestKit
import Testing

/// The metrics docs/monitoring/alerts.yml reads, as a real `tender worker` exports them: every one
/// is there, and a bad moment moves the ones it should.
@Suite(.serialized, .heavy) struct AlertMetricsTests {
    static let gatewayKey = "sk_test_alert_metrics"
    static let token = "alert-metrics-token-7c2e91"

    /// The metric names the rules use (Prometheus's own `up` aside).
    static func metricsTheRulesRead() throws -> Set<String> {
        let rules = URL(filePath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appending(path: "docs/monitoring/alerts.yml")
        let text = try String(contentsOf: rules, encoding: .utf8)
        return Set(text.matches(of: /tender_[a-z_]+/).map { String($0.output) })
    }

    @Test(
        """
        a worker exports every metric the alert rules read, and a forged webhook, a wrong token, a failing gateway, a parked \
        webhook, a waiting payer and a lagging consumer move theirs
        """
    )
    func everyAlertedMetricIsExportedAndMoves() async throws {
        let names = try Self.metricsTheRulesRead()
        #expect(names.count >= 12)
        let databaseURL = try await testDatabase.makeDatabase()
        let port = try FreePort.pick()
        let base = "http://127.0.0.1:\(port)"
        try await ConvergeGateSandbox.withRunning(SandboxConfiguration(secretKey: Self.gatewayKey), logger: .init(label: "tender.test.alerts")) {
            sandbox in
            try await TenderProcess.withRunning(
                ["worker", "--http-port", "\(port)"],
                environment: [
                    "TENDER_DATABASE_URL": databaseURL, "TENDER_GATEWAY_URL": await sandbox.baseURL,
                    "TENDER_GATEWAY_SECRET_KEY": Self.gatewayKey, "TENDER_API_TOKEN": Self.token, "TENDER_LOG_LEVEL": "notice",
                    "TENDER_RETRY_BACKOFF": "0.2",
                ]
            ) { worker in
                try await worker.waitUntilReady(at: base)
                let tender = TenderClient(serverURL: try #require(URL(string: base)), token: Self.token, timeout: .seconds(10))
                // A payer who has not confirmed yet, and a gateway that answers 500 to a pay call.
                for code in ["000013", "000020"] {
                    let id = "order-\(UUID().uuidString)"
                    _ = try await tender.submit(APIHarness.paymentRequest(id: id, code: code), idempotencyKey: "key-\(id)")
                }
                // A consumer that has acknowledged nothing.
                _ = try await tender.acknowledge(consumer: "orders", upTo: 0)
                // A wrong token, a forged webhook and one for a session no attempt holds.
                let intruder = TenderClient(serverURL: try #require(URL(string: base)), token: "not-the-token-0000", timeout: .seconds(10))
                await #expect(throws: TenderClientError.self) { _ = try await intruder.events() }
                #expect(try await Self.postWebhook(to: base, sessionID: "cs_forged", signedWith: "sk_test_forger") == 401)
                #expect((200..<300).contains(try await Self.postWebhook(to: base, sessionID: "cs_nobody_holds", signedWith: Self.gatewayKey)))

                var scrape = ""
                let moved = try await waitUntil(timeout: .seconds(120), every: .milliseconds(250)) {
                    scrape = try await Self.scrape(base)
                    let missing = names.filter { name in !scrape.split(separator: "\n").contains { $0.hasPrefix(name) } }
                    return missing.isEmpty
                        && Self.value(#"tender_webhooks_total{result="rejected"}"#, in: scrape) == 1
                        && Self.value("tender_api_unauthorized_total", in: scrape) == 1
                        && Self.value("tender_webhooks_parked", in: scrape) == 1
                        && (Self.value(#"tender_attempts{state="awaiting_confirmation"}"#, in: scrape) ?? 0) >= 1
                        && (Self.value("tender_oldest_awaiting_confirmation_seconds", in: scrape) ?? 0) > 0
                        && (Self.value(#"tender_consumer_lag_events{consumer="orders"}"#, in: scrape) ?? 0) >= 1
                        && Self.total("tender_gateway_errors_total", in: scrape) >= 1
                }
                let missing = names.filter { name in !scrape.split(separator: "\n").contains { $0.hasPrefix(name) } }
                #expect(moved, "missing: \(missing.sorted())\n\(scrape)")
                #expect(Self.value("tender_amount_mismatches_total", in: scrape) == 0, "declared at zero before its first event")
                #expect(Self.value("tender_duplicate_charges_total", in: scrape) == 0)
                #expect(!scrape.contains(Self.token) && !scrape.contains(Self.gatewayKey))
            }
        }
    }

    private static func scrape(_ base: String) async throws -> String {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "\(base)/metrics"), timeout: .seconds(10))
        return String(buffer: try await response.body.collect(upTo: 1 << 20))
    }

    /// Posts a `session.completed` webhook for `sessionID`, signed with `key`; returns the status.
    private static func postWebhook(to base: String, sessionID: String, signedWith key: String) async throws -> UInt {
        let now = Int(Date().timeIntervalSince1970)
        let event = #"{"id":"evt_\#(UUID().uuidString)","type":"session.completed","created_at":\#(now),"#
        let body = Array((event + #""data":{"status":"completed","session_id":"\#(sessionID)"}}"#).utf8)
        var request = HTTPClientRequest(url: "\(base)/webhooks/convergegate")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Sec-Timestamp", value: "\(now)")
        request.headers.add(name: "Sec-Signature", value: webhookSignature(secretKey: key, timestamp: "\(now)", body: body))
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status.code
    }

    /// The value of one sample.
    private static func value(_ sample: String, in scrape: String) -> Double? {
        scrape.split(separator: "\n").first { $0.hasPrefix(sample + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
    }

    /// The sum of a family's samples.
    private static func total(_ family: String, in scrape: String) -> Double {
        scrape.split(separator: "\n").filter { $0.hasPrefix(family + "{") || $0.hasPrefix(family + " ") }
            .compactMap { Double($0.split(separator: " ").last ?? "") }.reduce(0, +)
    }
}
