import TenderConvergeGate
import Testing

@Suite("Configuration validation")
struct ConvergeGateConfigurationTests {
    @Test("defaults are documented values")
    func defaults() throws {
        let configuration = try ConvergeGateConfiguration(baseURL: "https://gate.example/api", secretKey: "sk_test_1")
        #expect(configuration.timeouts == .init(connect: .seconds(5), read: .seconds(10)))
        #expect(configuration.webhookTolerance == .seconds(300))
        #expect(configuration.maximumWebhookBodySize == 64 * 1024)
        #expect(configuration.connectionPoolSize == 32)
        #expect(configuration.baseURL.absoluteString == "https://gate.example/api")
        #expect(!configuration.secretKey.isLiveMode)
    }

    @Test(
        "a base URL that is not absolute http(s) with a host is refused",
        arguments: ["", "gate.example", "ftp://gate.example", "http://", "https://user:pw@gate.example", "http://gate.example/?q=1", "/v1"]
    )
    func invalidBaseURL(url: String) {
        #expect {
            try ConvergeGateConfiguration(baseURL: url, secretKey: "sk_test_1")
        } throws: { error in
            (error as? ConvergeGateConfigurationError)?.code == .invalidBaseURL
        }
    }

    @Test("an empty secret key is refused")
    func emptyKey() {
        #expect {
            try ConvergeGateConfiguration(baseURL: "http://127.0.0.1:8089", secretKey: "")
        } throws: { error in
            (error as? ConvergeGateConfigurationError)?.code == .emptySecretKey
        }
    }

    @Test("non-positive limits are refused")
    func limits() {
        let base = "http://127.0.0.1:8089"
        #expect(throws: ConvergeGateConfigurationError.self) {
            try ConvergeGateConfiguration(baseURL: base, secretKey: "k", timeouts: .init(connect: .zero))
        }
        #expect(throws: ConvergeGateConfigurationError.self) {
            try ConvergeGateConfiguration(baseURL: base, secretKey: "k", connectionPoolSize: 0)
        }
        #expect(throws: ConvergeGateConfigurationError.self) {
            try ConvergeGateConfiguration(baseURL: base, secretKey: "k", webhookTolerance: .seconds(-1))
        }
        #expect(throws: ConvergeGateConfigurationError.self) {
            try ConvergeGateConfiguration(baseURL: base, secretKey: "k", maximumWebhookBodySize: 0)
        }
    }

    @Test("a live key is recognised by its prefix")
    func liveMode() throws {
        #expect(try ConvergeGateConfiguration(baseURL: "https://gate.example", secretKey: "sk_live_9").secretKey.isLiveMode)
    }

    @Test("a live key is refused with a plain-http base URL, a test key is not")
    func liveKeyNeedsHTTPS() throws {
        let error = #expect(throws: ConvergeGateConfigurationError.self) {
            try ConvergeGateConfiguration(baseURL: "http://gate.example", secretKey: "sk_live_9")
        }
        #expect(error?.code == .invalidBaseURL)
        #expect(error.map { !"\($0)".contains("sk_live_9") } == true)
        #expect(try ConvergeGateConfiguration(baseURL: "http://127.0.0.1:8089", secretKey: "sk_test_9").baseURL.scheme == "http")
    }
}
