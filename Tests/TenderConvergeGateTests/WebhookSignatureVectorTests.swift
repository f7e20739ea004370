import Foundation
import Tender
import TenderConvergeGate
import Testing

@Suite("Webhook signature vectors computed by openssl")
struct WebhookSignatureVectorTests {
    let verifier: ConvergeGateWebhookVerifier

    init() throws {
        verifier = ConvergeGateWebhookVerifier(
            configuration: try ConvergeGateConfiguration(baseURL: "http://127.0.0.1:1", secretKey: WebhookVector.secret)
        )
    }

    @Test("a signature keyed with the raw digest is accepted and decoded")
    func rawDigestKey() throws {
        let signature = try OpenSSL.signature(secret: WebhookVector.secret, timestamp: WebhookVector.timestamp, body: WebhookVector.body)
        let hint = try verifier.verify(headers: WebhookVector.headers(signature: signature), body: WebhookVector.body, now: WebhookVector.now)
        #expect(hint == WebhookHint(eventID: "evt_1", type: "session.completed", sessionID: "AW-kLcRRC5P8U68CYe0kVA", createdAt: WebhookVector.now))
    }

    @Test("a signature keyed with the digest's hex text is accepted")
    func hexTextKey() throws {
        let signature = try OpenSSL.signature(
            secret: WebhookVector.secret,
            timestamp: WebhookVector.timestamp,
            body: WebhookVector.body,
            keyForm: .hexText
        )
        let raw = try OpenSSL.signature(secret: WebhookVector.secret, timestamp: WebhookVector.timestamp, body: WebhookVector.body)
        #expect(signature != raw)
        let hint = try verifier.verify(headers: WebhookVector.headers(signature: signature), body: WebhookVector.body, now: WebhookVector.now)
        #expect(hint.sessionID == "AW-kLcRRC5P8U68CYe0kVA")
    }

    @Test("an upper-case hex signature is accepted", arguments: [OpenSSL.KeyForm.rawDigest, .hexText])
    func upperCaseSignature(keyForm: OpenSSL.KeyForm) throws {
        let signature = try OpenSSL.signature(
            secret: WebhookVector.secret,
            timestamp: WebhookVector.timestamp,
            body: WebhookVector.body,
            keyForm: keyForm
        ).uppercased()
        let hint = try verifier.verify(headers: WebhookVector.headers(signature: signature), body: WebhookVector.body, now: WebhookVector.now)
        #expect(hint.eventID == "evt_1")
    }

    @Test("header names match in any case")
    func headerNamesIgnoreCase() throws {
        let signature = try OpenSSL.signature(secret: WebhookVector.secret, timestamp: WebhookVector.timestamp, body: WebhookVector.body)
        let headers = [(name: "sec-timestamp", value: WebhookVector.timestamp), (name: "SEC-SIGNATURE", value: signature)]
        let hint = try verifier.verify(headers: headers, body: WebhookVector.body, now: WebhookVector.now)
        #expect(hint.eventID == "evt_1")
    }
}
