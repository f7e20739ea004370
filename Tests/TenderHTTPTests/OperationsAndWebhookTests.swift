import Foundation
import Hummingbird
import HummingbirdTesting
import Tender
import TenderTestKit
import Testing

/// `/healthz`, `/readyz`, `/metrics` and the webhook route as the worker mounts them.
@Suite struct OperationsAndWebhookTests {
    @Test("readiness answers 200 on a migrated database and 503 with a reason when the check fails or hangs")
    func readiness() async throws {
        try await APIHarness.run { harness in
            let response = try await harness.get("/readyz", token: nil)
            #expect(response.status == .ok)
        }
        try await APIHarness.run(readiness: { .notReady(reason: "the schema is at version 0") }) { harness in
            let response = try await harness.get("/readyz", token: nil)
            #expect(response.status == .serviceUnavailable)
            #expect(String(buffer: response.body).contains("the schema is at version 0"))
        }
        try await APIHarness.run(readiness: {
            try? await Task.sleep(for: .seconds(60))
            return .ready
        }) { harness in
            let response = try await harness.get("/readyz", token: nil)
            #expect(response.status == .serviceUnavailable)
        }
    }

    @Test("metrics render in Prometheus text with attempts by state counted at scrape time")
    func metrics() async throws {
        try await APIHarness.run { harness in
            for _ in 0..<2 {
                let submitted = try await harness.tender.submit(APIHarness.paymentRequest(code: "000013"), idempotencyKey: UUID().uuidString)
                #expect(!submitted.replayed, "201 Created")
            }
            let response = try await harness.get("/metrics", token: nil)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let text = String(buffer: response.body)
            #expect(text.contains("# TYPE tender_attempts gauge"))
            let inFlight = ["submitted", "awaiting_confirmation"].compactMap { harness.metric(#"tender_attempts{state="\#($0)"}"#) }.reduce(0, +)
            #expect(inFlight == 2)
            #expect(harness.metric(#"tender_attempts{state="failed"}"#) == 0)
            #expect(!text.contains(APIHarness.token))
            #expect(!text.contains(APIHarness.secretKey))
        }
    }

    @Test("the webhook route refuses a forged signature with 401, an oversized body with 413, a malformed one with 400")
    func webhookRefusals() async throws {
        try await APIHarness.run { harness in
            let now = Int(Date().timeIntervalSince1970)
            let body = Array(#"{"id":"evt_1","type":"checkout.session.completed","data":{"object":{"id":"cs_1"}}}"#.utf8)
            let forged = try await harness.client.execute(
                uri: "/webhooks/convergegate", method: .post,
                headers: [.secTimestamp: "\(now)", .secSignature: webhookSignature(secretKey: "sk_test_forger", timestamp: "\(now)", body: body)],
                body: ByteBuffer(bytes: body)
            )
            #expect(forged.status == .unauthorized)

            let unsigned = try await harness.client.execute(uri: "/webhooks/convergegate", method: .post, headers: [:], body: ByteBuffer(bytes: body))
            #expect(unsigned.status == .unauthorized)

            let huge = [UInt8](repeating: UInt8(ascii: " "), count: 65 * 1024)
            let oversized = try await harness.client.execute(
                uri: "/webhooks/convergegate", method: .post,
                headers: [
                    .secTimestamp: "\(now)", .secSignature: webhookSignature(secretKey: APIHarness.secretKey, timestamp: "\(now)", body: huge),
                ],
                body: ByteBuffer(bytes: huge)
            )
            #expect(oversized.status == .contentTooLarge)

            let garbage = Array("not json".utf8)
            let malformed = try await harness.client.execute(
                uri: "/webhooks/convergegate", method: .post,
                headers: [
                    .secTimestamp: "\(now)", .secSignature: webhookSignature(secretKey: APIHarness.secretKey, timestamp: "\(now)", body: garbage),
                ],
                body: ByteBuffer(bytes: garbage)
            )
            #expect(malformed.status == .badRequest)
        }
    }
}
