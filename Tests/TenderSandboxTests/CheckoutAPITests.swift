import Foundation
import Testing

@testable import TenderSandbox

@Suite struct CheckoutAPITests {
    @Test func createPayAndRetrieveAnswerTheDocumentedSessionObject() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let created = try await harness.api.createSession(extra: [("metadata[order]", "A-17"), ("locale", "pl")])
            #expect(created.status == 200)
            #expect(
                Set(created.json.keys) == [
                    "id", "status", "amount_total", "amount_sub_total", "amount_refunded", "currency", "customer_firstname",
                    "customer_lastname", "customer_email", "customer_phone", "success_url", "cancel_url", "expire_at",
                    "payment_method_types", "locale", "url", "fees", "metadata", "refunds", "refunded", "livemode",
                ]
            )
            let id = try #require(created.string("id"))
            #expect(id.count == 22)
            #expect(created.string("status") == "open")
            #expect(created.int("amount_total") == 1000)
            #expect(created.int("amount_sub_total") == 1000)
            #expect(created.int("amount_refunded") == 0)
            #expect(created.string("currency") == "pln")
            #expect(created.string("customer_firstname") == "John")
            #expect(created.string("customer_lastname") == "Doe")
            #expect(created.string("customer_email") == "john@example.com")
            #expect(created.string("success_url") == "https://shop.example/ok")
            #expect(created.string("locale") == "pl")
            #expect(created.json["payment_method_types"] as? [String] == ["blik"])
            #expect(created.json["metadata"] as? [String: String] == ["order": "A-17"])
            #expect(created.json["fees"] is NSNull)
            #expect(created.json["livemode"] as? Bool == false)
            #expect(created.json["refunded"] as? Bool == false)
            #expect(created.string("url") == "\(harness.api.baseURL)/pay/\(id)")
            let expireAt = try #require(created.int("expire_at"))
            #expect(abs(expireAt - Int(Date().timeIntervalSince1970) - 24 * 3600) < 10)

            let paid = try await harness.api.pay(id, code: "123456")
            #expect(paid.status == 200)
            #expect(paid.string("id") == id)
            #expect(paid.string("status") == "open")

            let retrieved = try await harness.api.retrieve(id)
            #expect(retrieved.status == 200)
            #expect(retrieved.string("status") == "open")
            #expect(Set(retrieved.json.keys) == Set(created.json.keys))

            let ledger = await harness.sandbox.ledger()
            #expect(ledger.session(id)?.payCalls == 1)
            #expect(ledger.session(id)?.acceptedPayCalls == 1)
        }
    }

    @Test func payAcceptsAGetWithTheCodeInTheQuery() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await harness.api.newSessionID()
            let paid = try await harness.api.send(.GET, "/v1/checkout/sessions/\(id)/pay?blik_code=654321")
            #expect(paid.status == 200)
            #expect(await harness.sandbox.ledger().session(id)?.acceptedPayCalls == 1)
        }
    }

    @Test func currencyIsAcceptedInAnyCaseAndAnsweredLowerCase() async throws {
        try await withSandbox { harness in
            let created = try await harness.api.send(
                .POST,
                "/v1/checkout/sessions",
                form: [
                    ("amount", "250"), ("currency", "PLN"), ("customer_email", "a@b.pl"), ("customer_firstname", "A"),
                    ("customer_lastname", "B"), ("success_url", "https://x"),
                ]
            )
            #expect(created.status == 200)
            #expect(created.string("currency") == "pln")
        }
    }

    @Test func aLiveKeyMarksObjectsLivemode() async throws {
        try await withSandbox({ $0.secretKey = "sk_live_abc" }) { harness in
            let created = try await harness.api.send(
                .POST,
                "/v1/checkout/sessions",
                form: [
                    ("amount", "250"), ("currency", "pln"), ("customer_email", "a@b.pl"), ("customer_firstname", "A"),
                    ("customer_lastname", "B"), ("success_url", "https://x"),
                ],
                credentials: .basic("sk_live_abc")
            )
            #expect(created.json["livemode"] as? Bool == true)
        }
    }

    @Test func basicAuthAndBearerAuthAreBothAccepted() async throws {
        try await withSandbox { harness in
            let id = try await harness.api.newSessionID()
            let basic = try await harness.api.send(.GET, "/v1/checkout/sessions/\(id)", credentials: .basic(testSecretKey))
            let bearer = try await harness.api.send(.GET, "/v1/checkout/sessions/\(id)", credentials: .bearer(testSecretKey))
            #expect(basic.status == 200)
            #expect(bearer.status == 200)
        }
    }

    @Test(arguments: [Credentials.none, .basic("sk_test_wrong"), .bearer("sk_test_wrong"), .basic("")])
    func aMissingOrWrongKeyIsRefusedWith401(credentials: Credentials) async throws {
        try await withSandbox { harness in
            let answer = try await harness.api.send(.POST, "/v1/checkout/sessions", form: [("amount", "1")], credentials: credentials)
            #expect(answer.status == 401)
            #expect(answer.error["type"] as? String == "authentication_error")
            #expect(Set(answer.error.keys) == ["type", "message", "param", "decline_code", "charge_id"])
            #expect(!String(decoding: answer.body, as: UTF8.self).contains("sk_test_wrong"))
            #expect(await harness.sandbox.ledger().sessions.isEmpty)
        }
    }

    @Test(arguments: [
        ("amount", "0", "amount"), ("amount", "ten", "amount"), ("currency", "eur", "currency"),
        ("customer_email", "nobody", "customer_email"), ("payment_method", "card", "payment_method"),
        ("expires_at", "1000", "expires_at"), ("colour", "red", "colour"),
    ])
    func invalidCreateParametersAre400WithTheParam(name: String, value: String, param: String) async throws {
        try await withSandbox { harness in
            let answer = try await harness.api.createSession(extra: [(name, value)])
            #expect(answer.status == 400)
            #expect(answer.error["type"] as? String == "invalid_request_error")
            #expect(answer.error["param"] as? String == param)
        }
    }

    @Test func aMissingRequiredParameterIs400WithTheParam() async throws {
        try await withSandbox { harness in
            let answer = try await harness.api.send(
                .POST,
                "/v1/checkout/sessions",
                form: [("amount", "100"), ("currency", "pln"), ("customer_email", "a@b.pl")]
            )
            #expect(answer.status == 400)
            #expect(answer.error["param"] as? String == "customer_firstname")
        }
    }

    @Test(arguments: ["12345", "1234567", "12a456", ""])
    func aMalformedBlikCodeIs400WithParamBlikCode(code: String) async throws {
        try await withSandbox { harness in
            let id = try await harness.api.newSessionID()
            let answer = try await harness.api.pay(id, code: code)
            #expect(answer.status == 400)
            #expect(answer.error["type"] as? String == "invalid_request_error")
            #expect(answer.error["param"] as? String == "blik_code")
            #expect(await harness.sandbox.ledger().session(id)?.acceptedPayCalls == 0)
        }
    }

    @Test func unknownSessionsAre404() async throws {
        try await withSandbox { harness in
            let retrieved = try await harness.api.retrieve("nope")
            let paid = try await harness.api.pay("nope", code: "123456")
            let refund = try await harness.api.send(.GET, "/v1/refunds/nope")
            #expect(retrieved.status == 404)
            #expect(paid.status == 404)
            #expect(refund.status == 404)
        }
    }

    @Test func aSecondPayAfterAnAcceptedCodeIs400AndNeverASecondCharge() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let id = try await harness.api.newSessionID()
            #expect(try await harness.api.pay(id, code: "123456").status == 200)
            let second = try await harness.api.pay(id, code: "654321")
            #expect(second.status == 400)
            #expect(second.error["type"] as? String == "invalid_request_error")
            let session = await harness.sandbox.ledger().session(id)
            #expect(session?.payCalls == 2)
            #expect(session?.acceptedPayCalls == 1)
        }
    }

    @Test func completedAndExpiredSessionsCannotBePaid() async throws {
        try await withSandbox({ $0.manualBank = true }) { harness in
            let completed = try await harness.api.newSessionID()
            try await harness.sandbox.complete(sessionID: completed)
            let expired = try await harness.api.newSessionID()
            try await harness.sandbox.expire(sessionID: expired)
            #expect(try await harness.api.pay(completed, code: "123456").status == 400)
            #expect(try await harness.api.pay(expired, code: "123456").status == 400)
            #expect(try await harness.api.retrieve(expired).string("status") == "expired")
        }
    }

    @Test func aSessionExpiresAtItsExpireAt() async throws {
        try await withSandbox { harness in
            let expiresAt = Int(Date().timeIntervalSince1970) + 5
            let id = try await harness.api.newSessionID(extra: [("expires_at", String(expiresAt))])
            #expect(try await harness.api.retrieve(id).int("expire_at") == expiresAt)
            #expect(try await eventually { try await harness.api.retrieve(id).string("status") == "expired" })
            #expect(try await eventually { await harness.inbox.received(sessionID: id).contains { $0.type == "session.expired" } })
            #expect(try await harness.api.pay(id, code: "123456").status == 400)
        }
    }
}
