import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import TenderSandbox
import TenderTestKit

/// The secret key every test sandbox uses.
let testSecretKey = "sk_test_BQokikJOvBiI2HlWgH4olfQ2"

/// One answer of the sandbox's API, as a client sees it.
struct APIResponse: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]

    /// The body as a JSON object.
    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(self.body))) as? [String: Any] ?? [:]
    }

    /// The `error` object of an error answer.
    var error: [String: Any] {
        self.json["error"] as? [String: Any] ?? [:]
    }

    /// A string field of the JSON body.
    func string(_ key: String) -> String? { self.json[key] as? String }

    /// An integer field of the JSON body.
    func int(_ key: String) -> Int? { self.json[key] as? Int }
}

/// How a test request authenticates.
enum Credentials: Sendable {
    case basic(String)
    case bearer(String)
    case none
}

/// A plain HTTP client for the sandbox's API (deliberately independent of TenderConvergeGate).
struct APIClient: Sendable {
    let baseURL: String

    func send(
        _ method: HTTPMethod,
        _ path: String,
        form: [(String, String)] = [],
        credentials: Credentials = .basic(testSecretKey),
        idempotencyKey: String? = nil,
        timeout: TimeAmount = .seconds(10)
    ) async throws -> APIResponse {
        var request = HTTPClientRequest(url: self.baseURL + path)
        request.method = method
        switch credentials {
        case .basic(let key):
            request.headers.add(name: "Authorization", value: "Basic " + Data("\(key):".utf8).base64EncodedString())
        case .bearer(let key):
            request.headers.add(name: "Authorization", value: "Bearer \(key)")
        case .none:
            break
        }
        if let idempotencyKey { request.headers.add(name: "Idempotency-Key", value: idempotencyKey) }
        if !form.isEmpty {
            var allowed = CharacterSet.alphanumerics
            allowed.insert(charactersIn: "-._~")
            let encoded = form.map { name, value in
                "\(name.addingPercentEncoding(withAllowedCharacters: allowed) ?? name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
            }.joined(separator: "&")
            request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
            request.body = .bytes(ByteBuffer(string: encoded))
        }
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let body = try await response.body.collect(upTo: 1 << 20)
        return APIResponse(status: Int(response.status.code), headers: response.headers, body: Array(buffer: body))
    }

    /// Creates a session with valid parameters plus `extra`.
    func createSession(amount: Int = 1000, extra: [(String, String)] = [], idempotencyKey: String? = nil) async throws -> APIResponse {
        try await self.send(
            .POST,
            "/v1/checkout/sessions",
            form: [
                ("amount", String(amount)), ("currency", "pln"), ("customer_email", "john@example.com"),
                ("customer_firstname", "John"), ("customer_lastname", "Doe"), ("success_url", "https://shop.example/ok"),
            ] + extra,
            idempotencyKey: idempotencyKey
        )
    }

    /// Pays session `id` with `code`.
    func pay(_ id: String, code: String, idempotencyKey: String? = nil, timeout: TimeAmount = .seconds(10)) async throws -> APIResponse {
        try await self.send(
            .POST,
            "/v1/checkout/sessions/\(id)/pay",
            form: [("blik_code", code)],
            idempotencyKey: idempotencyKey,
            timeout: timeout
        )
    }

    /// Retrieves session `id`.
    func retrieve(_ id: String) async throws -> APIResponse {
        try await self.send(.GET, "/v1/checkout/sessions/\(id)")
    }

    /// Creates a session and returns its id.
    func newSessionID(extra: [(String, String)] = []) async throws -> String {
        try await self.createSession(extra: extra).string("id") ?? ""
    }
}

/// One webhook request as the receiver got it.
struct ReceivedWebhook: Sendable {
    let timestamp: String?
    let signature: String?
    let contentType: String?
    let body: [UInt8]

    var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(self.body))) as? [String: Any] ?? [:]
    }

    var eventID: String { self.json["id"] as? String ?? "" }
    var type: String { self.json["type"] as? String ?? "" }
    var sessionID: String { (self.json["data"] as? [String: Any])?["session_id"] as? String ?? "" }
}

/// Records the webhooks a small in-test HTTP server receives, answering 500 to the first
/// `failuresLeft` of them.
actor WebhookInbox {
    private(set) var received: [ReceivedWebhook] = []
    private(set) var port: Int?
    private var failuresLeft: Int

    init(failFirst: Int) {
        self.failuresLeft = failFirst
    }

    func record(_ webhook: ReceivedWebhook) -> HTTPResponse.Status {
        self.received.append(webhook)
        if self.failuresLeft > 0 {
            self.failuresLeft -= 1
            return .internalServerError
        }
        return .ok
    }

    func listening(on port: Int?) {
        self.port = port
    }

    /// The webhooks received about `sessionID`.
    func received(sessionID: String) -> [ReceivedWebhook] {
        self.received.filter { $0.sessionID == sessionID }
    }
}

/// Everything a sandbox test needs: the sandbox, a client for it and a webhook receiver.
struct SandboxHarness: Sendable {
    let sandbox: ConvergeGateSandbox
    let api: APIClient
    let inbox: WebhookInbox
    let webhookURL: String
}

/// Runs `body` against a fresh sandbox (configured by `configure`, with its webhook URL pointed
/// at a fresh in-test receiver) and shuts both down, whether `body` returned or threw.
func withSandbox(
    failFirstWebhooks: Int = 0,
    _ configure: (inout SandboxConfiguration) -> Void = { _ in },
    _ body: (SandboxHarness) async throws -> Void
) async throws {
    let inbox = WebhookInbox(failFirst: failFirstWebhooks)
    let router = Router()
    router.post("/hook") { request, _ -> Response in
        let body = try await request.body.collect(upTo: 1 << 20)
        let status = await inbox.record(
            ReceivedWebhook(
                timestamp: request.headers[HTTPField.Name("Sec-Timestamp")!],
                signature: request.headers[HTTPField.Name("Sec-Signature")!],
                contentType: request.headers[.contentType],
                body: Array(buffer: body)
            )
        )
        return Response(status: status)
    }
    var logger = Logger(label: "sandbox-test")
    logger.logLevel = .warning
    let receiver = Application(
        router: router,
        configuration: .init(address: .hostname("127.0.0.1", port: 0)),
        onServerRunning: { await inbox.listening(on: $0.localAddress?.port) },
        logger: logger
    )
    let receiverGroup = ServiceGroup(configuration: .init(services: [receiver], logger: logger))
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await receiverGroup.run() }
        try await withCleanup {
            guard try await eventually({ await inbox.port != nil }), let port = await inbox.port else {
                throw ReceiverNotListening()
            }
            let webhookURL = "http://127.0.0.1:\(port)/hook"
            var configuration = SandboxConfiguration(secretKey: testSecretKey, webhookURL: webhookURL, timeScale: 0.001, seed: 42)
            configure(&configuration)
            try await ConvergeGateSandbox.withRunning(configuration, logger: logger) { sandbox in
                let harness = SandboxHarness(
                    sandbox: sandbox,
                    api: APIClient(baseURL: await sandbox.baseURL),
                    inbox: inbox,
                    webhookURL: webhookURL
                )
                try await body(harness)
            }
        } cleanup: {
            await receiverGroup.triggerGracefulShutdown()
        }
    }
}

/// The in-test webhook receiver did not start listening.
struct ReceiverNotListening: Error {}

/// Whether `condition` becomes true within `timeout`, checking every 10 ms.
func eventually(within timeout: Duration = .seconds(120), _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
