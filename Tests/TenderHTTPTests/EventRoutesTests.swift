import Foundation
import Hummingbird
import HummingbirdTesting
import TenderClient
import Testing

/// `GET /v1/events` (long poll) and the acknowledgement cursor.
@Suite struct EventRoutesTests {
    @Test("submit, long-poll the outcome, acknowledge it, and read the cursor back")
    func submitPollAcknowledge() async throws {
        try await APIHarness.run { harness in
            let declined = "order-\(UUID().uuidString)"
            let created = try await harness.tender.submit(APIHarness.paymentRequest(id: declined, code: "000004"), idempotencyKey: declined).value

            // Long polls until the attempt's outcome arrives; thirty of them only catch a hang.
            var after: Int64 = 0
            var seen: [TenderClient.Event] = []
            let final: Set<TenderClient.State> = [.completed, .failed, .expired]
            for _ in 0..<30 where !seen.contains(where: { final.contains($0.state) }) {
                let page = try await harness.tender.events(after: after, wait: 10, limit: 50)
                seen += page.events
                after = page.next
            }
            let failed = try #require(seen.first { final.contains($0.state) }, "waiting for the outcome: \(seen.map(\.eventType))")
            #expect(failed.state == .failed)
            #expect(failed.attemptId == created.attemptId)
            #expect(failed.paymentId == declined)
            #expect(failed.eventType == .attempt_failed)
            #expect(failed.failure == "declined:insufficient_funds")
            #expect(failed.asksForNewCode)

            #expect(try await harness.tender.acknowledge(consumer: "orders", upTo: failed.sequence) == failed.sequence)
            #expect(try await harness.tender.acknowledged(consumer: "orders") == failed.sequence)
            // The generated client underneath, for the consumer the cursor names.
            let cursor = try await harness.tender.api.readCursor(query: .init(consumer: "orders")).ok.body.json
            #expect(cursor.consumer == "orders")
            #expect(cursor.sequence == failed.sequence)
            #expect(try await harness.tender.acknowledged(consumer: "billing") == 0)
        }
    }

    @Test("a long poll with nothing new answers an empty page and the same cursor after its wait")
    func emptyLongPoll() async throws {
        try await APIHarness.run { harness in
            let page = try await harness.tender.events(after: 41, wait: 1)
            #expect(page.events.isEmpty)
            #expect(page.next == 41)
        }
    }

    @Test("bad query parameters and acknowledgements are refused with 400 or 422")
    func badInput() async throws {
        try await APIHarness.run { harness in
            let polls: [(Int64, Int?, Int?)] = [(-1, nil, nil), (0, 31, nil), (0, nil, 0)]
            for (after, wait, limit) in polls {
                await expectRefusal(400, "invalid_query", "after \(after), wait \(wait ?? 0), limit \(limit ?? 100)") {
                    try await harness.tender.events(after: after, wait: wait, limit: limit)
                }
            }
            await expectRefusal(422, "invalid_consumer") { try await harness.tender.acknowledge(consumer: "", upTo: 1) }
            await expectRefusal(422, "invalid_sequence") { try await harness.tender.acknowledge(consumer: "orders", upTo: -5) }
            await expectRefusal(422, "invalid_consumer") { try await harness.tender.acknowledged(consumer: "") }

            // Raw: a mistyped or missing query parameter, and bodies the typed client cannot send.
            for uri in ["/v1/events?limit=abc", "/v1/events/ack"] {
                let response = try await harness.get(uri)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(try json(ErrorBody.self, response).error.code == "invalid_query", "\(uri)")
            }
            let cases: [(String, String)] = [
                (#"{"consumer":"orders"}"#, "malformed_request"),
                (#"{"consumer":"orders","sequence":1,"extra":true}"#, "unknown_field"),
            ]
            for (body, code) in cases {
                let response = try await harness.client.execute(
                    uri: "/v1/events/ack", method: .post, headers: APIHarness.headers([.contentType: "application/json"]),
                    body: ByteBuffer(string: body)
                )
                #expect(response.status == .badRequest, "\(body)")
                #expect(try json(ErrorBody.self, response).error.code == code, "\(body)")
            }
            #expect(try await harness.tender.acknowledged(consumer: "orders") == 0, "nothing refused moved the cursor")
        }
    }
}
