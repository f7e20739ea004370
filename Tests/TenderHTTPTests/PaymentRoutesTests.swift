import EphemeralPostgres
import Foundation
import Hummingbird
import HummingbirdTesting
import LibPQ
import Logging
import Tender
import TenderClient
import TenderTestKit
import Testing

/// `POST /v1/payments` and `GET /v1/payments/{payment_id}`.
@Suite struct PaymentRoutesTests {
    @Test("a valid submission answers 201 with the attempt, and its replay 200 with the same attempt")
    func submitAndReplay() async throws {
        try await APIHarness.run { harness in
            let id = "order-\(UUID().uuidString)"
            let request = APIHarness.paymentRequest(id: id, code: "000013")
            let first = try await harness.tender.submit(request, idempotencyKey: "key-\(id)")
            #expect(!first.replayed, "201 Created")
            #expect(first.value.paymentId == id)
            #expect(first.value.state == .submitted)

            let replay = try await harness.tender.submit(request, idempotencyKey: "key-\(id)")
            #expect(replay.replayed, "200 OK")
            #expect(replay.value.attemptId == first.value.attemptId)
        }
    }

    @Test("conflicting submissions answer 409 with the store's code")
    func conflicts() async throws {
        try await APIHarness.run { harness in
            let id = "order-\(UUID().uuidString)"
            let first = try await harness.tender.submit(APIHarness.paymentRequest(id: id, code: "000013"), idempotencyKey: "k1")
            #expect(!first.replayed)

            await expectRefusal(409, "idempotency_conflict") {
                try await harness.tender.submit(APIHarness.paymentRequest(id: id, amount: 2000, code: "000013"), idempotencyKey: "k1")
            }
            await expectRefusal(409, "attempt_in_flight") {
                try await harness.tender.submit(APIHarness.paymentRequest(id: id, code: "000013"), idempotencyKey: "k2")
            }
            await expectRefusal(409, "payment_mismatch") {
                try await harness.tender.submit(APIHarness.paymentRequest(id: id, amount: 3000, code: "000013"), idempotencyKey: "k3")
            }
        }
    }

    @Test("input the domain refuses answers 422 naming the field and never echoing the code")
    func validation() async throws {
        try await APIHarness.run { harness in
            let cases: [(TenderClient.PaymentRequest, String)] = [
                (APIHarness.paymentRequest(code: "12345x"), "invalid_blik_code"),
                (APIHarness.paymentRequest(code: "1234567"), "invalid_blik_code"),
                (APIHarness.paymentRequest(amount: 0), "invalid_amount"),
                (APIHarness.paymentRequest(currency: "XYZ"), "unknown_currency"),
                // A currency Tender knows but ConvergeGate does not take.
                (APIHarness.paymentRequest(currency: "EUR"), "unknown_currency"),
                (APIHarness.paymentRequest(id: String(repeating: "p", count: 200)), "invalid_identifier"),
            ]
            for (request, code) in cases {
                let refusal = await expectRefusal(422, code) { try await harness.tender.submit(request, idempotencyKey: UUID().uuidString) }
                // The error object is all of the body: its code and message must not hold the BLIK code.
                let answered = try #require(refusal).description
                #expect(!answered.contains("12345x"))
                #expect(!answered.contains("1234567"))
            }
            #expect(try await harness.store.events(after: 0, limit: 10).isEmpty)
            #expect(try await harness.store.payments(matching: PaymentQuery()).payments.isEmpty, "nothing stored")
        }
    }

    @Test("the same Idempotency-Key with another BLIK code is a conflict, not a replay of the first attempt")
    func keyReusedWithAnotherCode() async throws {
        try await APIHarness.run { harness in
            let id = "order-\(UUID().uuidString)"
            #expect(try await !harness.tender.submit(APIHarness.paymentRequest(id: id, code: "000013"), idempotencyKey: "k-\(id)").replayed)
            #expect(try await harness.tender.submit(APIHarness.paymentRequest(id: id, code: "000013"), idempotencyKey: "k-\(id)").replayed)
            let other = await expectRefusal(409, "idempotency_conflict") {
                try await harness.tender.submit(APIHarness.paymentRequest(id: id, code: "777123"), idempotencyKey: "k-\(id)")
            }
            #expect(try !#require(other).description.contains("777123"))
            let stored = try await harness.store.pool.query("SELECT request FROM attempts WHERE payment_id = $1", [id])
            let fingerprint = try #require(try stored.first?.decode(String.self, column: "request"))
            #expect(!fingerprint.contains("000013"), "the code is kept only as a keyed hash")
        }
    }

    /// Raw: bodies no typed client would send.
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
                let response = try await harness.submitRaw(ByteBuffer(string: body))
                #expect(response.status == .badRequest, "\(body.prefix(60))")
                #expect(!String(buffer: response.body).contains("123456"))
            }
            let unknown = try await harness.submitRaw(APIHarness.paymentBody(extra: #""note":"x","#))
            #expect(try json(ErrorBody.self, unknown).error.code == "unknown_field")
        }
    }

    @Test("a missing or bad Idempotency-Key answers 400")
    func idempotencyKey() async throws {
        try await APIHarness.run { harness in
            // Raw: the typed client always sends the header.
            let missing = try await harness.client.execute(
                uri: "/v1/payments", method: .post, headers: APIHarness.headers([.contentType: "application/json"]), body: APIHarness.paymentBody()
            )
            #expect(missing.status == .badRequest)
            #expect(try json(ErrorBody.self, missing).error.code == "missing_idempotency_key")
            for key in [String(repeating: "k", count: 300), "", "key with spaces"] {
                await expectRefusal(400, "invalid_idempotency_key", "\(key.prefix(20))") {
                    try await harness.tender.submit(APIHarness.paymentRequest(), idempotencyKey: key)
                }
            }
            #expect(try await harness.store.payments(matching: PaymentQuery()).payments.isEmpty, "nothing stored")
        }
    }

    @Test("a body over 16 KiB answers 413")
    func oversized() async throws {
        try await APIHarness.run { harness in
            // Raw: padding in an unknown field, which the limit refuses before anything is decoded.
            let padding = String(repeating: "x", count: 17 * 1024)
            let response = try await harness.submitRaw(APIHarness.paymentBody(extra: #""padding":"\#(padding)","#))
            #expect(response.status == .contentTooLarge)
            #expect(try json(ErrorBody.self, response).error.code == "body_too_large")
        }
    }

    @Test("a submitted payment reads back with its attempts and history; an unknown one is 404")
    func show() async throws {
        try await APIHarness.run { harness in
            let id = "order-\(UUID().uuidString)"
            let created = try await harness.tender.submit(APIHarness.paymentRequest(id: id, code: "000012"), idempotencyKey: "key-\(id)").value
            var payment: TenderClient.Payment?
            let completed = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                payment = try await harness.tender.payment(id)
                #expect(payment != nil, "a submitted payment is found")
                return payment?.state == .completed
            }
            #expect(completed)
            let read = try #require(payment)
            #expect(read.state == .completed)
            #expect(read.amount == 1000)
            #expect(read.currency == "PLN")
            #expect(read.attempts.map(\.attemptId) == [created.attemptId])
            #expect(read.completedAttemptId == created.attemptId)
            #expect(read.attempts.first?.gatewaySessionId != nil)
            #expect(read.attempts.first?.late == false)
            #expect(read.history.first?.toState == .submitted)
            #expect(read.history.last?.toState == .completed)

            #expect(try await harness.tender.payment("no-such-payment") == nil)
            // The generated client underneath, for the error object the 404 carries.
            let missing = try await harness.tender.api.showPayment(path: .init(paymentId: "no-such-payment"))
            guard case .notFound(let notFound) = missing else {
                Issue.record("expected 404, got \(missing)")
                return
            }
            #expect(try notFound.body.json.error.code == "not_found")
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
            await expectRefusal(503, "unavailable") { try await harness.tender.submit(APIHarness.paymentRequest(), idempotencyKey: "k") }
            await expectRefusal(503, "unavailable") { try await harness.tender.payment("x") }
            await expectRefusal(503, "unavailable") { try await harness.tender.events(after: 0) }
            // The operations routes are not part of the /v1 API.
            let readiness = try await harness.get("/readyz")
            #expect(readiness.status == .serviceUnavailable)
            #expect(try await harness.get("/healthz").status == .ok)
        }
    }
}
