import EphemeralPostgres
import Foundation
import Hummingbird
import HummingbirdTesting
import LibPQ
import Logging
import Tender
import Testing

struct SubmittedBody: Decodable {
    var payment_id: String
    var attempt_id: String
    var state: String
}

struct PaymentBody: Decodable {
    struct AttemptBody: Decodable {
        var attempt_id: String
        var state: String
        var late: Bool
        var duplicate: Bool
        var failure: String?
        var gateway_session_id: String?
        var outcome_source: String?
    }
    struct HistoryBody: Decodable {
        var attempt_id: String
        var to_state: String
        var source: String
    }
    var payment_id: String
    var state: String
    var amount: Int
    var currency: String
    var attempts: [AttemptBody]
    var history: [HistoryBody]
}

/// `POST /v1/payments` and `GET /v1/payments/{payment_id}`.
@Suite struct PaymentRoutesTests {
    @Test("a valid submission answers 201 with the attempt, and its replay 200 with the same attempt")
    func submitAndReplay() async throws {
        try await APIHarness.run { harness in
            let id = "order-\(UUID().uuidString)"
            let body = APIHarness.paymentBody(id: id, code: "000013")
            let first = try await harness.submit(body, key: "key-\(id)")
            #expect(first.status == .created)
            let created = try json(SubmittedBody.self, first)
            #expect(created.payment_id == id)
            #expect(created.state == "submitted")

            let replay = try await harness.submit(body, key: "key-\(id)")
            #expect(replay.status == .ok)
            #expect(try json(SubmittedBody.self, replay).attempt_id == created.attempt_id)
        }
    }

    @Test("conflicting submissions answer 409 with the store's code")
    func conflicts() async throws {
        try await APIHarness.run { harness in
            let id = "order-\(UUID().uuidString)"
            #expect(try await harness.submit(APIHarness.paymentBody(id: id, code: "000013"), key: "k1").status == .created)

            let changed = try await harness.submit(APIHarness.paymentBody(id: id, amount: 2000, code: "000013"), key: "k1")
            #expect(changed.status == .conflict)
            #expect(try json(ErrorBody.self, changed).error.code == "idempotency_conflict")

            let second = try await harness.submit(APIHarness.paymentBody(id: id, code: "000013"), key: "k2")
            #expect(second.status == .conflict)
            #expect(try json(ErrorBody.self, second).error.code == "attempt_in_flight")

            let mismatch = try await harness.submit(APIHarness.paymentBody(id: id, amount: 3000, code: "000013"), key: "k3")
            #expect(mismatch.status == .conflict)
        }
    }

    @Test("input the domain refuses answers 422 naming the field and never echoing the code")
    func validation() async throws {
        try await APIHarness.run { harness in
            let cases: [(ByteBuffer, String)] = [
                (APIHarness.paymentBody(code: "12345x"), "invalid_blik_code"),
                (APIHarness.paymentBody(code: "1234567"), "invalid_blik_code"),
                (APIHarness.paymentBody(amount: 0), "invalid_amount"),
                (APIHarness.paymentBody(currency: "XYZ"), "unknown_currency"),
                // A currency Tender knows but ConvergeGate does not take.
                (APIHarness.paymentBody(currency: "EUR"), "unknown_currency"),
                (APIHarness.paymentBody(id: String(repeating: "p", count: 200)), "invalid_identifier"),
            ]
            for (body, code) in cases {
                let response = try await harness.submit(body)
                #expect(response.status == .unprocessableContent)
                let error = try json(ErrorBody.self, response).error
                #expect(error.code == code)
                #expect(!String(buffer: response.body).contains("12345x"))
                #expect(!String(buffer: response.body).contains("1234567"))
            }
            #expect(try await harness.store.events(after: 0, limit: 10).isEmpty)
            #expect(try await harness.store.payments(matching: PaymentQuery()).payments.isEmpty, "nothing stored")
        }
    }

    @Test("the same Idempotency-Key with another BLIK code is a conflict, not a replay of the first attempt")
    func keyReusedWithAnotherCode() async throws {
        try await APIHarness.run { harness in
            let id = "order-\(UUID().uuidString)"
            #expect(try await harness.submit(APIHarness.paymentBody(id: id, code: "000013"), key: "k-\(id)").status == .created)
            #expect(try await harness.submit(APIHarness.paymentBody(id: id, code: "000013"), key: "k-\(id)").status == .ok)
            let other = try await harness.submit(APIHarness.paymentBody(id: id, code: "777123"), key: "k-\(id)")
            #expect(other.status == .conflict)
            #expect(try json(ErrorBody.self, other).error.code == "idempotency_conflict")
            #expect(!String(buffer: other.body).contains("777123"))
            let stored = try await harness.store.pool.query("SELECT request FROM attempts WHERE payment_id = $1", [id])
            let fingerprint = try #require(try stored.first?.decode(String.self, column: "request"))
            #expect(!fingerprint.contains("000013"), "the code is kept only as a keyed hash")
        }
    }

    @Test("malformed, mistyped, incomplete and unknown-field bodies answer 400")
    func malformed() async throws {
        try await APIHarness.run { harness in
            let bodies = [
                "{", "[]", "null", #"{"payment_id":1}"#,
                #"{"payment_id":"p","amount":"10","currency":"PLN","blik_code":"123456","customer":{"email":"a@b.pl","first_name":"A","last_name":"B"}}"#,
                #"{"payment_id":"p","amount":99999999999999999999999,"currency":"PLN","blik_code":"123456","customer":{"email":"a@b.pl","first_name":"A","last_name":"B"}}"#,
                #"{"payment_id":"p","amount":10,"currency":"PLN","blik_code":"123456"}"#,
                String(buffer: APIHarness.paymentBody(extra: #""note":"x","#)),
                String(repeating: "[", count: 5000),
            ]
            for body in bodies {
                let response = try await harness.submit(ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(body.prefix(60))")
                #expect(!String(buffer: response.body).contains("123456"))
            }
            let unknown = try await harness.submit(APIHarness.paymentBody(extra: #""note":"x","#))
            #expect(try json(ErrorBody.self, unknown).error.code == "unknown_field")
        }
    }

    @Test("a missing or bad Idempotency-Key answers 400")
    func idempotencyKey() async throws {
        try await APIHarness.run { harness in
            let missing = try await harness.client.execute(
                uri: "/v1/payments", method: .post, headers: APIHarness.headers(), body: APIHarness.paymentBody()
            )
            #expect(missing.status == .badRequest)
            #expect(try json(ErrorBody.self, missing).error.code == "missing_idempotency_key")
            let long = try await harness.submit(key: String(repeating: "k", count: 300))
            #expect(long.status == .badRequest)
        }
    }

    @Test("a body over 16 KiB answers 413")
    func oversized() async throws {
        try await APIHarness.run { harness in
            let padding = String(repeating: "x", count: 17 * 1024)
            let response = try await harness.submit(APIHarness.paymentBody(extra: #""padding":"\#(padding)","#))
            #expect(response.status == .contentTooLarge)
            #expect(try json(ErrorBody.self, response).error.code == "body_too_large")
        }
    }

    @Test("a submitted payment reads back with its attempts and history; an unknown one is 404")
    func show() async throws {
        try await APIHarness.run { harness in
            let id = "order-\(UUID().uuidString)"
            let created = try json(SubmittedBody.self, try await harness.submit(APIHarness.paymentBody(id: id, code: "000012")))
            var payment: PaymentBody?
            for _ in 0..<200 {
                let response = try await harness.get("/v1/payments/\(id)")
                #expect(response.status == .ok)
                payment = try json(PaymentBody.self, response)
                if payment?.state == "completed" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            let read = try #require(payment)
            #expect(read.state == "completed")
            #expect(read.amount == 1000)
            #expect(read.currency == "PLN")
            #expect(read.attempts.map(\.attempt_id) == [created.attempt_id])
            #expect(read.attempts.first?.gateway_session_id != nil)
            #expect(read.attempts.first?.late == false)
            #expect(read.history.first?.to_state == "submitted")
            #expect(read.history.last?.to_state == "completed")

            let missing = try await harness.get("/v1/payments/no-such-payment")
            #expect(missing.status == .notFound)
            #expect(try json(ErrorBody.self, missing).error.code == "not_found")
        }
    }

    @Test("with the database down a submission answers 503 and readiness fails")
    func databaseDown() async throws {
        let logger = Logger(label: "tender.http.test.down")
        let deadPool = PostgresPool(
            configuration: try PostgresConfiguration(
                connectionString: "host=127.0.0.1 port=\(try FreePort.pick()) user=nobody dbname=none connect_timeout=1"),
            size: 2, acquireTimeout: .milliseconds(800), logger: logger
        )
        try await APIHarness.run(
            readiness: {
                do {
                    _ = try await deadPool.query("SELECT 1")
                    return .ready
                } catch {
                    return .notReady(reason: "the database is unreachable")
                }
            }, pool: deadPool
        ) { harness in
            let submit = try await harness.submit()
            #expect(submit.status == .serviceUnavailable)
            #expect(try json(ErrorBody.self, submit).error.code == "unavailable")
            #expect(try await harness.get("/v1/payments/x").status == .serviceUnavailable)
            #expect(try await harness.get("/v1/events?after=0").status == .serviceUnavailable)
            #expect(try await harness.get("/readyz").status == .serviceUnavailable)
            #expect(try await harness.get("/healthz").status == .ok)
        }
    }
}
