import Foundation
import Hummingbird
import HummingbirdTesting
import Tender
import TenderClient
import TenderSandbox
import TenderTestKit
import Testing

/// What docs/openapi.yaml promises of every answer, checked over HTTP: the form of times and
/// absent values, the refusals of requests the contract does not declare, and the typed client's
/// view of refusals.
@Suite("API contract") struct ContractTests {
    /// Every time field of the API's schemas.
    /// An RFC 3339 time in UTC with milliseconds, as every answer writes one.
    static var rfc3339: Regex<Substring> { #/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/# }

    static let timeFields: Set<String> = ["created_at", "submitted_at", "deadline", "resolved_at", "at", "requested_at", "occurred_at"]

    /// The JSON of a raw answer.
    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    /// Calls `visit` with every key and value of every object in `json`, nested ones included.
    static func walk(_ json: Any, _ visit: (String, Any) -> Void) {
        if let object = json as? [String: Any] {
            for (key, value) in object {
                visit(key, value)
                walk(value, visit)
            }
        } else if let array = json as? [Any] {
            for element in array { walk(element, visit) }
        }
    }

    /// The time fields found in `json` (each checked to be RFC 3339 in UTC with milliseconds and
    /// `Z`), after checking that no value is `null`.
    static func checkTimes(in json: Any, _ comment: Comment) -> Set<String> {
        var seen: Set<String> = []
        walk(json) { key, value in
            #expect(!(value is NSNull), "\(key) is null in \(comment): absent values are left out")
            guard timeFields.contains(key) else { return }
            seen.insert(key)
            let time = value as? String
            #expect(time?.wholeMatch(of: Self.rfc3339) != nil, "\(key) in \(comment): \(String(describing: value))")
        }
        return seen
    }

    @Test("every time in an answer is RFC 3339 in UTC with milliseconds and Z, and a field without a value is absent")
    func timesAndAbsentFields() async throws {
        try await APIHarness.run(bank: BankBehavior(refundSettlementDelay: .fixed(.milliseconds(100)))) { harness in
            // One attempt held in flight, one paid and refunded: between them every time field.
            let held = "order-\(UUID().uuidString)"
            let paid = "order-\(UUID().uuidString)"
            _ = try await harness.tender.submit(APIHarness.paymentRequest(id: held, code: MagicBLIKCode.hold.rawValue), idempotencyKey: held)
            _ = try await harness.tender.submit(
                APIHarness.paymentRequest(id: paid, code: MagicBLIKCode.immediateCompletion.rawValue), idempotencyKey: paid)
            let ready = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                let heldState = try await harness.tender.payment(held)?.attempts.last?.state
                let paidState = try await harness.tender.payment(paid)?.state
                return heldState == .awaitingConfirmation && paidState == .completed
            }
            #expect(ready)
            _ = try await harness.tender.refund(paymentID: paid, amount: 100, idempotencyKey: "refund-\(paid)")

            // Raw: the answers as sent, before the typed client decodes them.
            let fresh = try Self.object(try await harness.get("/v1/payments/\(held)"))
            #expect(Self.checkTimes(in: fresh, "a fresh attempt") == ["created_at", "submitted_at", "deadline", "at"])
            let attempt = try #require((fresh["attempts"] as? [[String: Any]])?.first)
            for absent in ["resolved_at", "failure", "outcome_source"] {
                #expect(attempt[absent] == nil, "a fresh attempt has no \(absent)")
            }
            #expect(attempt["gateway_session_id"] is String)
            #expect(fresh["completed_attempt_id"] == nil, "an unpaid payment has no completed_attempt_id")
            #expect((fresh["history"] as? [[String: Any]])?.first?["from_state"] == nil, "the first entry comes from no state")

            let refunded = try Self.object(try await harness.get("/v1/payments/\(paid)"))
            #expect(
                Self.checkTimes(in: refunded, "a paid and refunded payment") == [
                    "created_at", "submitted_at", "deadline", "resolved_at", "at", "requested_at",
                ])
            #expect(refunded["completed_attempt_id"] is String)
            let paidAttempt = try #require((refunded["attempts"] as? [[String: Any]])?.first)
            #expect(paidAttempt["quiet_polls"] as? Int == 0 && paidAttempt["last_quiet_poll_at"] == nil, "paid at once, never polled")

            let list = try Self.object(try await harness.get("/v1/payments?limit=2"))
            #expect(Self.checkTimes(in: list, "the list") == ["created_at"])
            let events = try Self.object(try await harness.get("/v1/events?after=0"))
            #expect(Self.checkTimes(in: events, "the events") == ["occurred_at"])
            let awaiting = try #require((events["events"] as? [[String: Any]])?.first { $0["payment_id"] as? String == held })
            #expect(awaiting["type"] as? String == "attempt.awaiting_confirmation")
            for absent in ["failure", "refund_id"] {
                #expect(awaiting[absent] == nil, "an awaiting_confirmation event has no \(absent)")
            }

            // The held payer's polls learn nothing: they are counted on the attempt, with a time.
            #expect(
                try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                    try await harness.tender.payment(held)?.attempts.last?.quietPolls ?? 0 >= 1
                })
            let polled = try #require((try Self.object(try await harness.get("/v1/payments/\(held)"))["attempts"] as? [[String: Any]])?.last)
            #expect((polled["quiet_polls"] as? Int ?? 0) >= 1)
            #expect((polled["last_quiet_poll_at"] as? String)?.wholeMatch(of: Self.rfc3339) != nil)
        }
    }

    @Test("an undeclared method on a declared path answers 405 with Allow; an undeclared path answers 404")
    func undeclaredMethods() async throws {
        try await APIHarness.run { harness in
            let cases: [(HTTPRequest.Method, String, Set<String>)] = [
                (.delete, "/v1/payments", ["GET", "POST"]),
                (.put, "/v1/payments/x", ["GET"]),
                (.post, "/v1/payments/x", ["GET"]),
                (.get, "/v1/payments/x/cancel", ["POST"]),
                (.get, "/v1/payments/x/refunds", ["POST"]),
                (.post, "/v1/events", ["GET"]),
                (.delete, "/v1/events/ack", ["GET", "POST"]),
            ]
            for (method, uri, declared) in cases {
                // Raw: the typed client sends only declared methods.
                let response = try await harness.client.execute(uri: uri, method: method, headers: APIHarness.headers(), body: nil)
                #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                let allow = try #require(response.headers[.allow], "\(method) \(uri)")
                #expect(Set(allow.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) == declared, "\(method) \(uri)")
                #expect(try json(ErrorBody.self, response).error.code == "method_not_allowed", "\(method) \(uri)")
            }
            for (method, uri) in [(HTTPRequest.Method.get, "/v1/nothing"), (.get, "/v1/payments/x/y"), (.post, "/v1/payments/x/refunds/y")] {
                let response = try await harness.client.execute(uri: uri, method: method, headers: APIHarness.headers(), body: nil)
                #expect(response.status == .notFound, "\(method) \(uri)")
                #expect(response.headers[.allow] == nil, "\(method) \(uri)")
            }
        }
    }

    @Test("a body that is not application/json answers 415, one over 16 KiB 413, and neither stores anything")
    func mediaTypeAndSize() async throws {
        try await APIHarness.run { harness in
            // Raw: the typed client always sends application/json.
            let id = "order-\(UUID().uuidString)"
            for uri in ["/v1/payments", "/v1/payments/\(id)/refunds", "/v1/events/ack"] {
                let response = try await harness.client.execute(
                    uri: uri, method: .post, headers: APIHarness.headers([.idempotencyKey: "k-\(uri)", .contentType: "text/plain"]),
                    body: uri == "/v1/payments" ? APIHarness.paymentBody(id: id) : ByteBuffer(string: #"{"consumer":"orders","sequence":1}"#)
                )
                #expect(response.status == .unsupportedMediaType, "\(uri)")
                #expect(try json(ErrorBody.self, response).error.code == "unsupported_media_type", "\(uri)")
            }

            // A valid submission padded with whitespace: refused for its size alone.
            let limit = 16 * 1024
            func padded(_ id: String, to size: Int) -> ByteBuffer {
                var body = APIHarness.paymentBody(id: id)
                body.writeString(String(repeating: " ", count: size - body.readableBytes))
                return body
            }
            let large = "order-\(UUID().uuidString)"
            let tooLarge = try await harness.submitRaw(padded(large, to: limit + 1))
            #expect(tooLarge.status == .contentTooLarge)
            #expect(try json(ErrorBody.self, tooLarge).error.code == "body_too_large")
            // The typed client can send a body that large too: a customer name of 17 KiB.
            var request = APIHarness.paymentRequest(id: large)
            request.customer.firstName = String(repeating: "J", count: 17 * 1024)
            await expectRefusal(413, "body_too_large") { try await harness.tender.submit(request, idempotencyKey: "k-\(large)") }

            for stored in [id, large] {
                #expect(try await harness.tender.payment(stored) == nil, "\(stored) was not stored")
            }
            #expect(try await harness.tender.payments().payments.isEmpty)
            #expect(try await harness.tender.events(after: 0).events.isEmpty)
            #expect(try await harness.tender.acknowledged(consumer: "orders") == 0)

            // At the limit exactly, the same submission is taken (raw, for the padding).
            let atLimit = "order-\(UUID().uuidString)"
            #expect(try await harness.submitRaw(padded(atLimit, to: limit)).status == .created)
            #expect(try await harness.tender.payment(atLimit)?.paymentId == atLimit)
        }
    }

    @Test("a missing Idempotency-Key and malformed or missing query parameters answer 400 with their codes")
    func badRequests() async throws {
        try await APIHarness.run { harness in
            // Raw: the typed client always sends the key, and only well-typed parameters.
            let paid = "order-\(UUID().uuidString)"
            let requests: [(HTTPRequest.Method, String, ByteBuffer?, String)] = [
                (.post, "/v1/payments", APIHarness.paymentBody(id: paid), "missing_idempotency_key"),
                (.post, "/v1/payments/\(paid)/refunds", ByteBuffer(string: "{}"), "missing_idempotency_key"),
                (.get, "/v1/payments?limit=ten", nil, "invalid_query"),
                (.get, "/v1/payments?limit=", nil, "invalid_query"),
                (.get, "/v1/payments?state=paid", nil, "invalid_query"),
                (.get, "/v1/payments?created_before=2026-12-02", nil, "invalid_query"),
                (.get, "/v1/events?after=ten", nil, "invalid_query"),
                (.get, "/v1/events?limit=ten", nil, "invalid_query"),
                (.get, "/v1/events/ack", nil, "invalid_query"),
            ]
            for (method, uri, body, code) in requests {
                let response = try await harness.client.execute(
                    uri: uri, method: method, headers: APIHarness.headers([.contentType: "application/json"]), body: body)
                #expect(response.status == .badRequest, "\(method) \(uri)")
                #expect(try json(ErrorBody.self, response).error.code == code, "\(method) \(uri)")
            }
            #expect(try await harness.tender.payment(paid) == nil, "nothing stored without a key")
        }
    }

    @Test("the typed client surfaces a refusal as TenderClientError with the documented status and code")
    func typedRefusals() async throws {
        try await APIHarness.run { harness in
            let id = "order-\(UUID().uuidString)"
            let first = try await harness.tender.submit(
                APIHarness.paymentRequest(id: id, code: MagicBLIKCode.immediateCompletion.rawValue), idempotencyKey: "k-\(id)")
            #expect(!first.replayed)
            let conflict = await expectRefusal(409, "idempotency_conflict") {
                try await harness.tender.submit(APIHarness.paymentRequest(id: id, code: "777123"), idempotencyKey: "k-\(id)")
            }
            #expect(conflict?.message.isEmpty == false)
            #expect(conflict?.description.contains("777123") == false, "the code is never echoed")

            let paid = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                try await harness.tender.payment(id)?.state == .completed
            }
            #expect(paid)
            await expectRefusal(409, "payment_completed") { try await harness.tender.cancel(paymentID: id) }
            await expectRefusal(409, "payment_completed") {
                try await harness.tender.submit(APIHarness.paymentRequest(id: id, code: "000012"), idempotencyKey: "k2-\(id)")
            }
            await expectRefusal(404, "not_found") { try await harness.tender.cancel(paymentID: "no-such-payment") }
            await expectRefusal(422, "invalid_amount") { try await harness.tender.refund(paymentID: id, amount: 0, idempotencyKey: "r-\(id)") }
            await expectRefusal(422, "invalid_identifier") { try await harness.tender.payment(String(repeating: "p", count: 129)) }
            await expectRefusal(400, "invalid_query") { try await harness.tender.events(after: 0, limit: 501) }
            #expect(try await harness.tender.payment(id)?.attempts.count == 1, "no refusal stored an attempt")
        }
    }

    @Test("a typed client with a wrong token or none is refused 401 unauthorized on every /v1 route, and nothing changes")
    func wrongToken() async throws {
        try await APIHarness.run { harness in
            let clients = [
                TenderClient(serverURL: harness.serverURL, token: "wrong-token-0000000000000"),
                TenderClient(serverURL: harness.serverURL, token: nil),
            ]
            for client in clients {
                for route in AuthenticationTests.routes {
                    await expectRefusal(401, "unauthorized", "\(route)") { try await route.call(client) }
                }
            }
            #expect(harness.metric("tender_api_unauthorized_total") == Double(clients.count * AuthenticationTests.routes.count))
            let payments = try await harness.tender.payments()
            #expect(payments.payments.isEmpty)
            #expect(try await harness.tender.events(after: 0).events.isEmpty)
            #expect(try await harness.tender.acknowledged(consumer: "orders") == 0)
        }
    }

    @Test("a payment id is sent in the path percent-encoded, and an empty one is refused as invalid like any other")
    func paymentIDsInThePath() async throws {
        try await APIHarness.run { harness in
            for id in ["order/1", "a%2Fb", "a?b#c", "a+b&c=d", "..", "~!$'()*,;:@"] {
                let submitted = try await harness.tender.submit(
                    APIHarness.paymentRequest(id: id, code: MagicBLIKCode.hold.rawValue), idempotencyKey: "k-\(id)")
                #expect(submitted.value.paymentId == id)
                #expect(try await harness.tender.payment(id)?.paymentId == id, "\(id)")
                let canceled = try await harness.tender.cancel(paymentID: id)
                #expect(canceled.paymentId == id)
                #expect(canceled.state == .canceled)
                await expectRefusal(409, "payment_not_completed", "\(id)") {
                    try await harness.tender.refund(paymentID: id, idempotencyKey: "r-\(id)")
                }
            }
            #expect(try await harness.tender.payment("order") == nil, "order/1 is not read as order")
            // The worker cannot be asked about an empty id (the path would name another route):
            // the client refuses it as the worker refuses any id outside 1 to 128 printable ASCII.
            for id in ["", " "] {
                await expectRefusal(422, "invalid_identifier", "[\(id)]") { try await harness.tender.payment(id) }
                await expectRefusal(422, "invalid_identifier", "[\(id)]") { try await harness.tender.cancel(paymentID: id) }
                await expectRefusal(422, "invalid_identifier", "[\(id)]") {
                    try await harness.tender.refund(paymentID: id, idempotencyKey: "r-empty")
                }
            }
        }
    }

    @Test("an Idempotency-Key is taken exactly as sent, by a raw request and by the typed client alike")
    func idempotencyKeysAsSent() async throws {
        try await APIHarness.run { harness in
            // `%41` is not an escape: the key is not `A`, so a second key for the same payment in
            // flight is another request, refused while the first attempt waits.
            let id = "order-\(UUID().uuidString)"
            let body = APIHarness.paymentBody(id: id, code: MagicBLIKCode.hold.rawValue)
            #expect(try await harness.submitRaw(body, key: "key%41,\(id)").status == .created)
            #expect(try await harness.submitRaw(body, key: "key%41,\(id)").status == .ok, "the same key replays")
            let decoded = try await harness.submitRaw(body, key: "keyA,\(id)")
            #expect(decoded.status == .conflict)
            #expect(try json(ErrorBody.self, decoded).error.code == "attempt_in_flight")

            // The typed client sends the key it is given: a raw replay with it is a replay.
            let other = "order-\(UUID().uuidString)"
            let key = "typed/%2F,?\(other)"
            let typed = try await harness.tender.submit(APIHarness.paymentRequest(id: other, code: MagicBLIKCode.hold.rawValue), idempotencyKey: key)
            #expect(!typed.replayed)
            let raw = try await harness.submitRaw(APIHarness.paymentBody(id: other, code: MagicBLIKCode.hold.rawValue), key: key)
            #expect(raw.status == .ok, "the raw request with the typed client's key replays its submission")
        }
    }
}
