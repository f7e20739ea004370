import Foundation
import Hummingbird
import HummingbirdTesting
import LibPQ
import Tender
import TenderClient
import TenderTestKit
import Testing

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

    /// Every page of the list `page` asks for (given the cursor, `nil` for the first page),
    /// following the cursors to the end; `between` runs after the first page.
    func pages(
        _ page: (_ cursor: String?) async throws -> TenderClient.PaymentList, between: (() async throws -> Void)? = nil
    ) async throws -> [TenderClient.PaymentList] {
        var pages: [TenderClient.PaymentList] = []
        var cursor: String?
        repeat {
            let list = try await page(cursor)
            pages.append(list)
            cursor = list.nextCursor
            if pages.count == 1 { try await between?() }
        } while cursor != nil && pages.count <= 1000
        return pages
    }

    @Test("1,000 payments in pages of 100 come each exactly once, newest first, while new payments arrive")
    func pagesInOrder() async throws {
        try await APIHarness.run { harness in
            try await harness.store.pool.withConnection { try await $0.executeScript(Self.population) }
            let pages = try await pages {
                try await harness.tender.payments(limit: 100, cursor: $0)
            } between: {
                // Newer payments arriving between pages do not shift the pages still to come.
                _ = try await harness.tender.submit(APIHarness.paymentRequest(code: "000013"), idempotencyKey: UUID().uuidString)
            }
            let ids = pages.flatMap(\.payments).map(\.paymentId).filter { $0.hasPrefix("list-") }
            #expect(pages.count == 10)
            #expect(pages.allSatisfy { $0.payments.count == 100 })
            #expect(ids == Self.expected, "the payment submitted between pages is newer than the cursor: not listed again")
            let first = try #require(pages.first?.payments.first)
            #expect(first.paymentId == "list-1000")
            #expect(first.createdAt == Self.t0 + 333, "read back as the time stored (its RFC 3339 form: ContractTests)")
            #expect(first.amount == 2000)
            #expect(first.state == .completed)
            #expect(first.completedAttemptId != nil)
        }
    }

    @Test("filters by state and creation time, with the same pages")
    func filters() async throws {
        try await APIHarness.run { harness in
            try await harness.store.pool.withConnection { try await $0.executeScript(Self.population) }
            let completed = try await pages { try await harness.tender.payments(state: .completed, limit: 30, cursor: $0) }.flatMap(\.payments)
            #expect(completed.count == 200)
            #expect(completed.allSatisfy { $0.state == .completed })
            #expect(completed.map(\.paymentId) == Self.expected.filter { Int($0.dropFirst(5))! % 5 == 0 })

            let canceled = try await pages { try await harness.tender.payments(state: .canceled, limit: 200, cursor: $0) }.flatMap(\.payments)
            #expect(canceled.count == 200)
            #expect(canceled.allSatisfy { $0.state == .canceled && $0.completedAttemptId == nil })

            let window = try await pages {
                try await harness.tender.payments(createdAfter: Self.t0 + 100, createdBefore: Self.t0 + 200, limit: 50, cursor: $0)
            }
            .flatMap(\.payments)
            #expect(window.map(\.paymentId) == Self.expected.filter { (303...599).contains(Int($0.dropFirst(5))!) })
        }
    }

    @Test("a malformed query answers 400, a cursor this API did not give 422, and neither lists anything")
    func malformed() async throws {
        try await APIHarness.run { harness in
            for limit in [0, 201] {
                await expectRefusal(400, "invalid_query", "limit \(limit)") { try await harness.tender.payments(limit: limit) }
            }
            for cursor in ["not-a-cursor", "bGlzdA"] {
                await expectRefusal(422, "invalid_cursor", "cursor \(cursor)") { try await harness.tender.payments(cursor: cursor) }
            }
            // Raw: values of the wrong type, which the typed client cannot send.
            for query in ["limit=ten", "state=paid", "created_after=yesterday"] {
                let response = try await harness.get("/v1/payments?\(query)")
                #expect(response.status == .badRequest, "\(query)")
                #expect(try json(ErrorBody.self, response).error.code == "invalid_query", "\(query)")
            }
        }
    }
}
