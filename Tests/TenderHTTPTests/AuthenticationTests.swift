import Foundation
import Hummingbird
import HummingbirdTesting
import TenderClient
import Testing

/// Every `/v1` route wants the bearer token; health, readiness, metrics and the webhook do not.
@Suite struct AuthenticationTests {
    /// A route, as a raw request (for the malformed headers no typed client sends) and as the
    /// typed client's call.
    struct Route: Sendable, CustomStringConvertible {
        var method: HTTPRequest.Method
        var uri: String
        var body: String?
        var call: @Sendable (TenderClient) async throws -> Void
        var description: String { "\(method) \(uri)" }
    }

    static let routes: [Route] = [
        Route(method: .post, uri: "/v1/payments", body: String(buffer: APIHarness.paymentBody())) {
            _ = try await $0.submit(APIHarness.paymentRequest(), idempotencyKey: UUID().uuidString)
        },
        Route(method: .get, uri: "/v1/payments") { _ = try await $0.payments() },
        Route(method: .get, uri: "/v1/payments/p-1") { _ = try await $0.payment("p-1") },
        Route(method: .post, uri: "/v1/payments/p-1/refunds", body: "{}") {
            _ = try await $0.refund(paymentID: "p-1", idempotencyKey: UUID().uuidString)
        },
        Route(method: .post, uri: "/v1/payments/p-1/cancel") { _ = try await $0.cancel(paymentID: "p-1") },
        Route(method: .get, uri: "/v1/events?after=0") { _ = try await $0.events(after: 0) },
        Route(method: .post, uri: "/v1/events/ack", body: #"{"consumer":"orders","sequence":1}"#) {
            _ = try await $0.acknowledge(consumer: "orders", upTo: 1)
        },
        Route(method: .get, uri: "/v1/events/ack?consumer=orders") { _ = try await $0.acknowledged(consumer: "orders") },
    ]

    /// The right token with its last byte changed, a wrong one, and malformed headers.
    static let badAuthorizations: [String?] = [
        nil,
        "Bearer wrong-token-0000000000000",
        "Bearer " + String(APIHarness.token.dropLast()) + (APIHarness.token.last == "6" ? "7" : "6"),
        "Bearer " + APIHarness.token + "x",
        "Basic " + APIHarness.token,
        APIHarness.token,
        "Bearer",
    ]

    @Test("a /v1 route without the right token answers 401 and counts it", arguments: routes)
    func refusesWithoutToken(route: Route) async throws {
        try await APIHarness.run { harness in
            // Raw: malformed and missing Authorization headers, which the typed client never sends.
            for (index, authorization) in Self.badAuthorizations.enumerated() {
                var headers: HTTPFields = [.idempotencyKey: "key-1", .contentType: "application/json"]
                if let authorization { headers[.authorization] = authorization }
                let response = try await harness.client.execute(
                    uri: route.uri, method: route.method, headers: headers, body: route.body.map { ByteBuffer(string: $0) }
                )
                #expect(response.status == .unauthorized, "\(authorization ?? "no header")")
                #expect(try json(ErrorBody.self, response).error.code == "unauthorized")
                #expect(response.headers[.wwwAuthenticate] == "Bearer")
                #expect(harness.metric("tender_api_unauthorized_total") == Double(index + 1))
            }
            #expect(try await harness.store.events(after: 0, limit: 10).isEmpty)
        }
    }

    @Test("a /v1 route with the right token is let through", arguments: routes)
    func acceptsTheToken(route: Route) async throws {
        try await APIHarness.run { harness in
            do {
                try await route.call(harness.tender)
            } catch let error as TenderClientError {
                // Refund and cancel of a payment that does not exist: refused, but not for the token.
                #expect(error.status != 401, "\(error)")
                #expect(error.status == 404, "\(error)")
            }
            #expect(harness.metric("tender_api_unauthorized_total") ?? 0 == 0)
        }
    }

    @Test("health, readiness and metrics need no token")
    func operationsRoutesAreOpen() async throws {
        try await APIHarness.run { harness in
            for uri in ["/healthz", "/readyz", "/metrics"] {
                let response = try await harness.client.execute(uri: uri, method: .get, headers: [:], body: nil)
                #expect(response.status == .ok, "\(uri)")
            }
        }
    }

    @Test("without a configured token the /v1 routes are open")
    func noTokenConfigured() async throws {
        try await APIHarness.run(token: nil) { harness in
            let submitted = try await harness.tender.submit(APIHarness.paymentRequest(), idempotencyKey: UUID().uuidString)
            #expect(!submitted.replayed, "201 Created")
            #expect(harness.metric("tender_api_unauthorized_total") ?? 0 == 0)
        }
    }
}
