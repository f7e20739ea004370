import Foundation
import Tender
import Testing

@testable import TenderConvergeGate

@Suite("Secrets never show")
struct RedactionTests {
    static let key = "sk_test_BQokikJOvBiI2HlWgH4olfQ2"
    static let code = "731945"

    static func dumped(_ value: some Any) -> String {
        var text = ""
        dump(value, to: &text)
        return text
    }

    static func renderings(_ value: some Any) -> [String] {
        [String(describing: value), String(reflecting: value), dumped(value), "\(value)"]
    }

    @Test("the configuration never shows its key")
    func configuration() throws {
        let configuration = try ConvergeGateConfiguration(baseURL: "http://127.0.0.1:8089", secretKey: Self.key)
        for text in Self.renderings(configuration) + Self.renderings(configuration.secretKey) {
            #expect(!text.contains(Self.key))
            #expect(!text.contains("BQokik"))
        }
        #expect(String(describing: configuration).contains("127.0.0.1:8089"))
        #expect(Self.dumped(configuration).contains(ConvergeGateSecretKey.redacted))
    }

    @Test("the client and verifier never show the key or the signing key")
    func client() async throws {
        let configuration = try ConvergeGateConfiguration(baseURL: "http://127.0.0.1:8089", secretKey: Self.key)
        let digestHex = try OpenSSL.sha256Hex(of: Self.key)
        try await ConvergeGateClient.withClient(configuration: configuration, logger: .init(label: "test")) { client in
            for text in Self.renderings(client) + Self.renderings(ConvergeGateWebhookVerifier(configuration: configuration)) {
                #expect(!text.contains(Self.key))
                #expect(!text.contains(digestHex))
                #expect(!text.contains(String(digestHex.prefix(8))))
            }
        }
    }

    @Test("a gateway message that echoes the code or the key is redacted")
    func echoedSecrets() {
        let body = Array(
            #"{"error":{"type":"voucher_error","message":"code 731945 refused for sk_test_BQokikJOvBiI2HlWgH4olfQ2","param":"blik_code","decline_code":"invalid_blik_code"}}"#
                .utf8
        )
        let error = GatewayError.convergeGate(status: 402, body: body, redacting: [Self.key, Self.code])
        #expect(error.kind == .payerMustAct(.invalidCode))
        for text in Self.renderings(error) {
            #expect(!text.contains(Self.code))
            #expect(!text.contains(Self.key))
        }
        #expect(error.message?.contains("blik_code") == true)
    }

    @Test("configuration errors never show the value")
    func configurationErrors() {
        do {
            _ = try ConvergeGateConfiguration(baseURL: Self.key, secretKey: Self.key)
            Issue.record("a key is not a base URL")
        } catch {
            for text in Self.renderings(error) { #expect(!text.contains(Self.key)) }
        }
    }
}
