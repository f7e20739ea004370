import EphemeralPostgres
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Tender
import TenderClient
import TenderConsole
import TenderHTTP
import TenderPostgres
import TenderSandbox
import TenderTestKit
import TenderWorker
import Testing

/// A worker's routes with the console, on a fresh database, the sandbox gateway and a running
/// engine, served over HTTP on a free port: pages are fetched raw (HummingbirdTesting's client) or
/// in a real browser, and payments are submitted through the typed client as an order system would.
struct ConsoleHarness: Sendable {
    static let secretKey = "sk_test_console_harness_5d1e"
    static let apiToken = "api-token-2b9e4c7a13f05d68"
    static let consoleToken = "console-token-8c41f0e9a2b7d356"

    let engine: PaymentEngine
    let store: PostgresPaymentStore
    let sandbox: ConvergeGateSandbox
    let client: any TestClientProtocol
    let tender: TenderClient
    let serverURL: URL

    /// Starts everything, runs `body`, and stops everything whether `body` returned or threw.
    /// - Parameters:
    ///   - consoleToken: the console's token; `nil` for an open (loopback) console.
    ///   - policy: the attempts' timings.
    static func run(
        consoleToken: String? = consoleToken, policy: AttemptPolicy = .fastForTests, _ body: @Sendable (ConsoleHarness) async throws -> Void
    ) async throws {
        let logger = Logger(label: "tender.console.test")
        // The gateway posts webhooks to the routes under test, as it would to a worker.
        try await LiveBackends.run(
            sandbox: SandboxConfiguration(secretKey: secretKey), secretKey: secretKey, engine: .forTests(policy: policy), listening: true,
            configure: {
                $0.poolSize = 6
                $0.apiToken = APIToken(apiToken)
                $0.consoleToken = consoleToken.map(ConsoleToken.init)
            },
            logger: logger
        ) { backends in
            let stack = backends.stack
            // HummingbirdTesting serves the routes under test on a port of its choosing; the
            // gateway's webhooks reach the same routes on the port it was told.
            let webhooks = Application(
                router: stack.router(), configuration: .init(address: .hostname("127.0.0.1", port: stack.configuration.port)), logger: logger)
            let app = Application(router: stack.router(), logger: logger)
            try await withServices([stack.engine, webhooks], logger: logger) {
                try await app.test(.live) { client in
                    let port = try #require(client.port)
                    let serverURL = try #require(URL(string: "http://127.0.0.1:\(port)"))
                    try await body(
                        ConsoleHarness(
                            engine: stack.engine, store: stack.store, sandbox: backends.sandbox, client: client,
                            tender: TenderClient(serverURL: serverURL, token: apiToken), serverURL: serverURL))
                }
            }
        }
    }

    /// Submits a payment of 10.00 PLN paid with `code` through the order system's API.
    @discardableResult
    func submit(id: String = UUID().uuidString, code: String) async throws -> String {
        _ = try await tender.submit(
            TenderClient.PaymentRequest(
                paymentId: id, amount: 1000, currency: "PLN", blikCode: code,
                customer: TenderClient.Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski")),
            idempotencyKey: UUID().uuidString)
        return id
    }

    /// Submits a payment whose payer never confirms (`000010`) and waits until it awaits
    /// confirmation; returns its id.
    func submitWaitingPayment(sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let id = try await submit(code: "000010")
        #expect(
            try await waitUntil(timeout: .seconds(60), every: .milliseconds(100)) {
                try await store.payment(PaymentID(rawValue: id))?.attempts.last?.state == .awaitingConfirmation
            }, sourceLocation: sourceLocation)
        return id
    }

    /// Signs in through the form and returns the session cookie (`name=value`).
    func signIn(as name: String = "alice", token: String = consoleToken) async throws -> String {
        let response = try await client.execute(
            uri: "/console/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "operator=\(name)&token=\(token)"))
        #expect(response.status == .seeOther)
        let setCookie = try #require(response.headers[.setCookie])
        return String(try #require(setCookie.split(separator: ";").first))
    }

    /// Fetches a page with `cookie`.
    func get(_ uri: String, cookie: String? = nil) async throws -> TestResponse {
        var headers = HTTPFields()
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .get, headers: headers, body: nil)
    }

    /// Posts a form with `cookie`.
    func post(_ uri: String, cookie: String?, form: String) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
        if let cookie { headers[.cookie] = cookie }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: form))
    }

    /// The CSRF token a page's forms carry.
    static func csrfToken(in page: String) throws -> String {
        let marker = #"name="csrf" value=""#
        let start = try #require(page.range(of: marker)).upperBound
        return String(page[start...].prefix { $0 != "\"" })
    }
}
