import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

struct EventsBody: Decodable {
    struct Event: Decodable {
        var sequence: Int64
        var type: String
        var payment_id: String
        var attempt_id: String
        var state: String
        var failure: String?
        var asks_for_new_code: Bool
        var occurred_at: String
    }
    var events: [Event]
    var next: Int64
}

struct CursorBody: Decodable {
    var consumer: String
    var sequence: Int64
}

/// `GET /v1/events` (long poll) and the acknowledgement cursor.
@Suite struct EventRoutesTests {
    @Test("submit, long-poll the outcome, acknowledge it, and read the cursor back")
    func submitPollAcknowledge() async throws {
        try await APIHarness.run { harness in
            let declined = "order-\(UUID().uuidString)"
            let created = try json(SubmittedBody.self, try await harness.submit(APIHarness.paymentBody(id: declined, code: "000004")))

            // Long polls until the attempt's outcome arrives; thirty of them only catch a hang.
            var after: Int64 = 0
            var seen: [EventsBody.Event] = []
            let final: Set<String> = ["completed", "failed", "expired"]
            for _ in 0..<30 where !seen.contains(where: { final.contains($0.state) }) {
                let response = try await harness.get("/v1/events?after=\(after)&wait=10&limit=50")
                #expect(response.status == .ok)
                let page = try json(EventsBody.self, response)
                seen += page.events
                after = page.next
            }
            let failed = try #require(seen.first { final.contains($0.state) }, "waiting for the outcome: \(seen.map(\.type))")
            #expect(failed.state == "failed")
            #expect(failed.attempt_id == created.attempt_id)
            #expect(failed.payment_id == declined)
            #expect(failed.type == "attempt.failed")
            #expect(failed.failure == "declined:insufficient_funds")
            #expect(failed.asks_for_new_code)

            let ack = try await harness.client.execute(
                uri: "/v1/events/ack", method: .post, headers: APIHarness.headers([.contentType: "application/json"]),
                body: ByteBuffer(string: #"{"consumer":"orders","sequence":\#(failed.sequence)}"#)
            )
            #expect(ack.status == .ok)
            #expect(try json(CursorBody.self, ack).sequence == failed.sequence)
            let cursor = try json(CursorBody.self, try await harness.get("/v1/events/ack?consumer=orders"))
            #expect(cursor.sequence == failed.sequence)
            #expect(cursor.consumer == "orders")
            let fresh = try json(CursorBody.self, try await harness.get("/v1/events/ack?consumer=billing"))
            #expect(fresh.sequence == 0)
        }
    }

    @Test("a long poll with nothing new answers an empty page and the same cursor after its wait")
    func emptyLongPoll() async throws {
        try await APIHarness.run { harness in
            let response = try await harness.get("/v1/events?after=41&wait=1")
            #expect(response.status == .ok)
            let page = try json(EventsBody.self, response)
            #expect(page.events.isEmpty)
            #expect(page.next == 41)
        }
    }

    @Test("bad query parameters and acknowledgements are refused with 400 or 422")
    func badInput() async throws {
        try await APIHarness.run { harness in
            for uri in ["/v1/events?after=-1", "/v1/events?wait=31", "/v1/events?limit=0", "/v1/events?limit=abc", "/v1/events/ack"] {
                let response = try await harness.get(uri)
                #expect(response.status == .badRequest, "\(uri)")
            }
            let cases: [(String, HTTPResponse.Status)] = [
                (#"{"consumer":"orders"}"#, .badRequest),
                (#"{"consumer":"orders","sequence":1,"extra":true}"#, .badRequest),
                (#"{"consumer":"","sequence":1}"#, .unprocessableContent),
                (#"{"consumer":"orders","sequence":-5}"#, .unprocessableContent),
            ]
            for (body, status) in cases {
                let response = try await harness.client.execute(
                    uri: "/v1/events/ack", method: .post, headers: APIHarness.headers(), body: ByteBuffer(string: body)
                )
                #expect(response.status == status, "\(body)")
            }
        }
    }
}
