import Foundation
import Hummingbird
import HummingbirdTesting
import LibPQ
import Logging
import Prometheus
import Tender
import TenderClient
import TenderHTTP
import TenderOpenAPI
import TenderPostgres
import TenderSandbox
import TenderTestKit
import TenderWorker
import Testing

/// The worker's routes on a fresh database, the sandbox gateway and a running engine, served over
/// HTTP on a free port and reached through the ``TenderClient`` an order system would use, or
/// through HummingbirdTesting's client for requests no typed client would send.
struct APIHarness: Sendable {
    static let secretKey = "sk_test_http_harness"
    static let token = "test-token-7f3a9c21e5b84d06"

    let engine: PaymentEngine
    let store: PostgresPaymentStore
    let sandbox: ConvergeGateSandbox
    let registry: PrometheusCollectorRegistry
    /// HummingbirdTesting's client, for requests the typed client cannot send: hostile bodies,
    /// unknown fields, wrong JSON types, missing headers, bad tokens, undeclared methods.
    let client: any TestClientProtocol
    /// The typed client, with the harness's token: every well-formed `/v1` request goes through it.
    let tender: TenderClient
    /// Where the routes listen, for a typed client of one's own (another token, say).
    let serverURL: URL

    /// Starts everything, runs `body` with a client of the routes, and stops everything (and closes
    /// `pool`) whether `body` returned or threw.
    /// - Parameters:
    ///   - token: the API token, or `nil` for open `/v1` routes.
    ///   - readiness: overrides the readiness check (the default asks the database).
    ///   - pool: overrides the store's pool (e.g. one pointing at a database that is down).
    ///   - bank: how the sandbox's bank behaves.
    static func run(
        token: String? = token,
        readiness: (@Sendable () async -> Readiness)? = nil,
        pool overridePool: PostgresPool? = nil,
        bank: BankBehavior = BankBehavior(),
        _ body: @Sendable (APIHarness) async throws -> Void
    ) async throws {
        let logger = Logger(label: "tender.http.test")
        try await withCleanup {
            try await runOnBackends(token: token, readiness: readiness, pool: overridePool, bank: bank, logger: logger, body)
        } cleanup: {
            await overridePool?.close()
        }
    }

    private static func runOnBackends(
        token: String?,
        readiness: (@Sendable () async -> Readiness)?,
        pool overridePool: PostgresPool?,
        bank: BankBehavior,
        logger: Logger,
        _ body: @Sendable (APIHarness) async throws -> Void
    ) async throws {
        let registry = PrometheusCollectorRegistry()
        try await LiveBackends.run(
            sandbox: SandboxConfiguration(secretKey: secretKey, bank: bank), secretKey: secretKey, engine: .forTests(policy: .fastForTests),
            configure: {
                $0.poolSize = 6
                $0.apiToken = token.map(APIToken.init)
            },
            registry: registry, logger: logger
        ) { backends in
            let stack = backends.stack
            var api = stack.api(metricsFactory: PrometheusMetricsFactory(registry: registry))
            if let readiness {
                api.readiness = readiness
            }
            let store = overridePool.map { PostgresPaymentStore(pool: $0, logger: logger) } ?? stack.store
            if overridePool != nil {
                // The routes and an engine of their own on a pool the test controls.
                api.engine = PaymentEngine(store: store, gateway: stack.gateway, configuration: stack.configuration.engine, logger: logger)
            }
            let engine = api.engine
            let app = Application(router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await engine.run() }
                defer { group.cancelAll() }
                try await app.test(.live) { client in
                    let port = try #require(client.port)
                    let serverURL = try #require(URL(string: "http://127.0.0.1:\(port)"))
                    let tender = TenderClient(serverURL: serverURL, token: token)
                    try await body(
                        APIHarness(
                            engine: engine, store: store, sandbox: backends.sandbox, registry: registry, client: client, tender: tender,
                            serverURL: serverURL
                        )
                    )
                }
            }
        }
    }

    /// `Authorization: Bearer <token>` plus `extra`.
    static func headers(token: String? = token, _ extra: HTTPFields = [:]) -> HTTPFields {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        return headers
    }

    /// A payment of `amount` minor units for the typed client, paid with `code`.
    static func paymentRequest(
        id: String = UUID().uuidString, amount: Int64 = 1000, currency: String = "PLN", code: String = "000012"
    ) -> TenderClient.PaymentRequest {
        TenderClient.PaymentRequest(
            paymentId: id, amount: amount, currency: currency, blikCode: code,
            customer: TenderClient.Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski")
        )
    }

    /// A payment body as raw JSON, for bodies the typed client would not send (`extra` adds
    /// fields before `customer`).
    static func paymentBody(
        id: String = UUID().uuidString, amount: Int = 1000, currency: String = "PLN", code: String = "000012", extra: String = ""
    ) -> ByteBuffer {
        ByteBuffer(
            string: """
                {"payment_id":"\(id)","amount":\(amount),"currency":"\(currency)","blik_code":"\(code)",\(extra)\
                "customer":{"email":"payer@example.com","first_name":"Jan","last_name":"Kowalski"}}
                """)
    }

    /// Submits a raw body with the raw client, for input the typed client cannot produce.
    func submitRaw(_ body: ByteBuffer = paymentBody(), key: String = UUID().uuidString) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/payments", method: .post, headers: Self.headers([.idempotencyKey: key, .contentType: "application/json"]), body: body
        )
    }

    /// Asks for a refund with the raw client, `body` being the JSON sent, for input the typed
    /// client cannot produce.
    func refundRaw(_ paymentID: String, body: String, key: String = UUID().uuidString) async throws -> TestResponse {
        try await client.execute(
            uri: "/v1/payments/\(paymentID)/refunds", method: .post,
            headers: Self.headers([.idempotencyKey: key, .contentType: "application/json"]), body: ByteBuffer(string: body)
        )
    }

    /// `GET uri` with the token and the raw client: the operations routes, raw bodies, and
    /// queries the typed client cannot produce.
    func get(_ uri: String, token: String? = token) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: Self.headers(token: token), body: nil)
    }

    /// The value of a Prometheus sample, e.g. `tender_api_unauthorized_total`.
    func metric(_ sample: String) -> Double? {
        registry.emitToString().split(separator: "\n").first { $0.hasPrefix(sample + " ") }
            .flatMap { Double($0.split(separator: " ").last ?? "") }
    }
}

extension HTTPFields.Element.Name {
    static var idempotencyKey: Self { Self("Idempotency-Key")! }
    static var secTimestamp: Self { Self("Sec-Timestamp")! }
    static var secSignature: Self { Self("Sec-Signature")! }
}

/// Decodes a response body as JSON.
func json<T: Decodable>(_ type: T.Type, _ response: TestResponse) throws -> T {
    try JSONDecoder().decode(type, from: Data(response.body.readableBytesView))
}

/// `{"error": {"code", "message"}}`, as the contract declares it: what a raw refusal decodes to.
typealias ErrorBody = Components.Schemas.ErrorBody

/// Expects `call` to be refused with a ``TenderClientError`` of `status` and `code`, and returns
/// the error (`nil`, with an issue recorded, when `call` returned or threw something else).
@discardableResult
func expectRefusal<Value>(
    _ status: Int, _ code: String, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
    _ call: () async throws -> Value
) async -> TenderClientError? {
    do {
        let value = try await call()
        Issue.record("expected HTTP \(status) \(code), got \(value)", sourceLocation: sourceLocation)
        return nil
    } catch let error as TenderClientError {
        #expect(error.status == status, comment, sourceLocation: sourceLocation)
        #expect(error.code == code, comment, sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record(error, comment, sourceLocation: sourceLocation)
        return nil
    }
}
