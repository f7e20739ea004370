import Foundation
import Hummingbird
import HummingbirdTesting
import LibPQ
import Tender
import TenderTestKit
import Testing

struct PaymentListBody: Decodable {
    struct Item: Decodable {
        var payment_id: String
        var state: String
        var amount: Int
        var created_at: String
    }
    var payments: [Item]
    var next_cursor: String?
}

/// `GET /v1/payments`: keyset pages, newest first, with filters.
@Suite struct PaymentListRoutesTests {
    /// Payment `list-NNNN` (1 ≤ N ≤ 1000) is created `N / 3` seconds after `t0`, three to a second,
    /// and is completed, awaiting confirmation, expired, failed or canceled by `N % 5`.
    static let population = """
        INSERT INTO payments (id, amount, currency, created_at)
        SELECT 'list-' || lpad(i::text, 4, '0'), 1000 + i, 'PLN', to_timestamp(1700000000) + (i / 3) * interval '1 second'
        FROM generate_series(1, 1000) AS i;
        INSERT INTO attempts (id, payment_id, state, stage, version, amount, currency, customer,
            session_id, submitted_at, deadline, grace_until, idempotency_key, request)
        SELECT md5('list' || i)::uuid, 'list-' || lpad(i::text, 4, '0'),
            (ARRAY['completed', 'awaiting_confirmation', 'expired', 'failed', 'canceled'])[i % 5 + 1], 'paid', 3, 1000 + i, 'PLN', '{}',
            'cs_list_' || i, to_timestamp(1700000000), to_timestamp(1700000090), to_timestamp(1700000990), 'list-k' || i, 'r'
        FROM generate_series(1, 1000) AS i;
        UPDATE payments p SET completed_attempt_id = a.id FROM attempts a WHERE a.payment_id = p.id AND a.state = 'completed';
        """

    static let t0 = Date(timeIntervalSince1970: 1_700_000_000)

    /// The ids in list order: newest first, and by id, descending, within a second.
    static let expected: [String] = (1...1000).sorted { ($0 / 3, $0) > ($1 / 3, $1) }.map { String(format: "list-%04d", $0) }

    /// Every page of `query` (without a cursor), following the cursors to the end.
    func pages(_ harness: APIHarness, _ query: String, between: (() async throws -> Void)? = nil) async throws -> [PaymentListBody] {
        var pages: [PaymentListBody] = []
        var cursor: String?
        repeat {
            let uri = "/v1/payments?\(query)" + (cursor.map { "&cursor=\($0)" } ?? "")
            let response = try await harness.get(uri)
            #expect(response.status == .ok, "\(uri)")
            let page = try json(PaymentListBody.self, response)
            pages.append(page)
            cursor = page.next_cursor
            if pages.count == 1 { try await between?() }
        } while cursor != nil && pages.count <= 1000
        return pages
    }

    @Test("1,000 payments in pages of 100 come each exactly once, newest first, while new payments arrive")
    func pagesInOrder() async throws {
        try await APIHarness.run { harness in
            try await harness.store.pool.withConnection { try await $0.executeScript(Self.population) }
            let pages = try await pages(harness, "limit=100") {
                // Newer payments arriving between pages do not shift the pages still to come.
                _ = try await harness.submit(APIHarness.paymentBody(code: "000013"))
            }
            let ids = pages.flatMap(\.payments).map(\.payment_id).filter { $0.hasPrefix("list-") }
            #expect(pages.count == 10)
            #expect(pages.allSatisfy { $0.payments.count == 100 })
            #expect(ids == Self.expected, "the payment submitted between pages is newer than the cursor: not listed again")
            let first = try #require(pages.first?.payments.first)
            #expect(first.created_at.hasSuffix("Z"), "RFC 3339 in UTC: \(first.created_at)")
        }
    }

    @Test("filters by state and creation time, with the same pages")
    func filters() async throws {
        try await APIHarness.run { harness in
            try await harness.store.pool.withConnection { try await $0.executeScript(Self.population) }
            let completed = try await pages(harness, "state=completed&limit=30").flatMap(\.payments)
            #expect(completed.count == 200)
            #expect(completed.allSatisfy { $0.state == "completed" })
            #expect(completed.map(\.payment_id) == Self.expected.filter { Int($0.dropFirst(5))! % 5 == 0 })

            let canceled = try await pages(harness, "state=canceled&limit=200").flatMap(\.payments)
            #expect(canceled.count == 200)

            let after = (Self.t0 + 100).formatted(Date.ISO8601FormatStyle())
            let before = (Self.t0 + 200).formatted(Date.ISO8601FormatStyle())
            let window = try await pages(harness, "created_after=\(after)&created_before=\(before)&limit=50").flatMap(\.payments)
            #expect(window.map(\.payment_id) == Self.expected.filter { (303...599).contains(Int($0.dropFirst(5))!) })
        }
    }

    @Test("a malformed query answers 400 and lists nothing")
    func malformed() async throws {
        try await APIHarness.run { harness in
            for query in ["limit=0", "limit=201", "limit=ten", "state=paid", "created_after=yesterday", "cursor=not-a-cursor", "cursor=bGlzdA"] {
                let response = try await harness.get("/v1/payments?\(query)")
                #expect(response.status == .badRequest, "\(query)")
                #expect(try json(ErrorBody.self, response).error.code == "invalid_query", "\(query)")
            }
        }
    }
}
