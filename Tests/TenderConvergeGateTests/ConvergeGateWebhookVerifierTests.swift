import Foundation
import Tender
import TenderConvergeGate
import Testing

@Suite("Webhook verification refuses what it must")
struct ConvergeGateWebhookVerifierTests {
    let verifier: ConvergeGateWebhookVerifier
    let signature: String

    init() throws {
        verifier = ConvergeGateWebhookVerifier(
            configuration: try ConvergeGateConfiguration(baseURL: "http://127.0.0.1:1", secretKey: WebhookVector.secret)
        )
        signature = try OpenSSL.signature(secret: WebhookVector.secret, timestamp: WebhookVector.timestamp, body: WebhookVector.body)
    }

    private func rejection(
        headers: [(name: String, value: String)],
        body: [UInt8] = WebhookVector.body,
        now: Date = WebhookVector.now
    ) -> WebhookRejection? {
        do {
            _ = try verifier.verify(headers: headers, body: body, now: now)
            return nil
        } catch {
            return error
        }
    }

    /// Signs `body` with openssl under the vector's secret and timestamp.
    private func signed(_ text: String) throws -> (headers: [(name: String, value: String)], body: [UInt8]) {
        let body = Array(text.utf8)
        let signature = try OpenSSL.signature(secret: WebhookVector.secret, timestamp: WebhookVector.timestamp, body: body)
        return (WebhookVector.headers(signature: signature), body)
    }

    @Test("a body changed after signing is a bad signature")
    func forgedBody() {
        let forged = Array(String(decoding: WebhookVector.body, as: UTF8.self).replacingOccurrences(of: "AW-kLc", with: "AW-kLd").utf8)
        #expect(rejection(headers: WebhookVector.headers(signature: signature), body: forged) == .badSignature)
    }

    @Test("a signature made with another key is a bad signature", arguments: [OpenSSL.KeyForm.rawDigest, .hexText])
    func wrongKey(keyForm: OpenSSL.KeyForm) throws {
        let other = try OpenSSL.signature(
            secret: "sk_test_someoneElse000000000000",
            timestamp: WebhookVector.timestamp,
            body: WebhookVector.body,
            keyForm: keyForm
        )
        #expect(rejection(headers: WebhookVector.headers(signature: other)) == .badSignature)
    }

    @Test("a signature over another timestamp is a bad signature")
    func timestampSwapped() {
        let headers = WebhookVector.headers(timestamp: "1732470001", signature: signature)
        #expect(rejection(headers: headers) == .badSignature)
    }

    @Test("a signature that is not 64 hex digits is a bad signature", arguments: ["", "zz", String(repeating: "g", count: 64)])
    func malformedSignature(text: String) {
        #expect(rejection(headers: WebhookVector.headers(signature: text)) == .badSignature)
    }

    @Test("a truncated signature is a bad signature")
    func truncatedSignature() {
        #expect(rejection(headers: WebhookVector.headers(signature: String(signature.dropLast(2)))) == .badSignature)
    }

    @Test("a timestamp beyond the tolerance in the past is stale")
    func staleTimestamp() {
        let headers = WebhookVector.headers(signature: signature)
        #expect(rejection(headers: headers, now: WebhookVector.now.addingTimeInterval(301)) == .staleTimestamp)
        #expect(rejection(headers: headers, now: WebhookVector.now.addingTimeInterval(300)) == nil)
    }

    @Test("a timestamp beyond the tolerance in the future is stale")
    func futureTimestamp() {
        let headers = WebhookVector.headers(signature: signature)
        #expect(rejection(headers: headers, now: WebhookVector.now.addingTimeInterval(-301)) == .staleTimestamp)
        #expect(rejection(headers: headers, now: WebhookVector.now.addingTimeInterval(-300)) == nil)
    }

    @Test("a configured tolerance is honoured")
    func configuredTolerance() throws {
        let strict = ConvergeGateWebhookVerifier(
            configuration: try ConvergeGateConfiguration(
                baseURL: "http://127.0.0.1:1",
                secretKey: WebhookVector.secret,
                webhookTolerance: .seconds(10)
            )
        )
        let headers = WebhookVector.headers(signature: signature)
        #expect(throws: WebhookRejection.staleTimestamp) {
            try strict.verify(headers: headers, body: WebhookVector.body, now: WebhookVector.now.addingTimeInterval(11))
        }
    }

    @Test("a missing timestamp header is named")
    func missingTimestamp() {
        let headers = [(name: "Sec-Signature", value: signature)]
        #expect(rejection(headers: headers) == .missingHeader("Sec-Timestamp"))
    }

    @Test("a missing signature header is named")
    func missingSignature() {
        let headers = [(name: "Sec-Timestamp", value: WebhookVector.timestamp)]
        #expect(rejection(headers: headers) == .missingHeader("Sec-Signature"))
    }

    @Test("a timestamp that is not Unix seconds is malformed", arguments: ["", "abc", "-1732470000", "1732470000.5", "0x6742", "1234567890123"])
    func malformedTimestamp(text: String) {
        #expect(rejection(headers: WebhookVector.headers(timestamp: text, signature: signature)) == .malformedTimestamp)
    }

    @Test("an oversized body is refused before anything else is looked at")
    func oversizedBody() throws {
        let limit = 64 * 1024
        let body = [UInt8](repeating: UInt8(ascii: "a"), count: limit + 1)
        #expect(rejection(headers: [], body: body) == .bodyTooLarge(limit: limit))
        #expect(rejection(headers: WebhookVector.headers(signature: signature), body: body) == .bodyTooLarge(limit: limit))
    }

    @Test("a configured body limit is honoured")
    func configuredBodyLimit() throws {
        let small = ConvergeGateWebhookVerifier(
            configuration: try ConvergeGateConfiguration(
                baseURL: "http://127.0.0.1:1",
                secretKey: WebhookVector.secret,
                maximumWebhookBodySize: 100
            )
        )
        #expect(throws: WebhookRejection.bodyTooLarge(limit: 100)) {
            try small.verify(headers: WebhookVector.headers(signature: signature), body: WebhookVector.body, now: WebhookVector.now)
        }
    }

    @Test(
        "a correctly signed body that is not an event is malformed",
        arguments: [
            "not json",
            #"{"id":"evt_1","type":"session.completed","data":{"status":"completed"}}"#,
            #"{"type":"session.completed","data":{"session_id":"S1"}}"#,
            #"{"id":"","type":"session.completed","data":{"session_id":"S1"}}"#,
            #"{"id":"evt_1","type":"session.completed"}"#,
            #"[1,2,3]"#,
        ]
    )
    func malformedBody(text: String) throws {
        let (headers, body) = try signed(text)
        #expect(rejection(headers: headers, body: body) == .malformedBody)
    }

    @Test("unknown event types and fields are accepted and kept")
    func unknownTypesAndFields() throws {
        let (headers, body) = try signed(
            #"{"id":"evt_9","type":"session.refunded","livemode":false,"created_at":1732469990,"data":{"session_id":"S9","extra":{"a":1}}}"#
        )
        let hint = try verifier.verify(headers: headers, body: body, now: WebhookVector.now)
        #expect(
            hint == WebhookHint(eventID: "evt_9", type: "session.refunded", sessionID: "S9", createdAt: Date(timeIntervalSince1970: 1_732_469_990)))
    }

    @Test("an event without created_at is dated by its signature")
    func missingCreatedAt() throws {
        let (headers, body) = try signed(#"{"id":"evt_2","type":"session.expired","data":{"status":"expired","session_id":"S2"}}"#)
        let hint = try verifier.verify(headers: headers, body: body, now: WebhookVector.now)
        #expect(hint.createdAt == WebhookVector.now)
    }

    @Test("rejections describe the problem without header values")
    func rejectionDescriptions() {
        let headers = WebhookVector.headers(signature: String(signature.dropLast(2)))
        let description = rejection(headers: headers).map { String(describing: $0) } ?? ""
        #expect(description == "signature mismatch")
        #expect(!description.contains(String(signature.prefix(16))))
    }
}
