import Foundation
import Hummingbird
import HummingbirdTesting
import LibPQ
import Logging
import Prometheus
import TenderConvergeGate
import TenderOpenAPI
import TenderPostgres
import TenderSandbox
import TenderTestKit
import TenderWorker
import Testing

@testable import Tender
@testable import TenderHTTP

/// Hostile input against the webhook route and the JSON API: 110,000 inputs in all. The bulk
/// (50,000 each) goes through the functions the routes call — the verifier and `PaymentEngine.receiveWebhook` for webhooks, and
/// the generated `SubmitPayment` decoding + `OrderAPI.submitPayment` for payments —
/// and a sample of 5,000 each goes through the Hummingbird router in process. Every input is
/// answered with a 4xx, or is valid and then stored; nothing else reaches the database.
@Suite("Hostile input", .heavy)
struct FuzzTests {
    static let secretKey = "sk_test_hardening_fuzz"
    static let token = "fuzz-token-2b7e151628aed2a6"
    static let bulk = 50_000
    static let routed = 5_000

    /// What the inputs were answered with.
    struct Tally {
        var statuses: [Int: Int] = [:]
        var unexpected: [String] = []

        mutating func record(_ status: Int) { statuses[status, default: 0] += 1 }
        mutating func unexpected(_ what: String) { if unexpected.count < 20 { unexpected.append(what) } else { unexpected[19] = "…" } }
        var total: Int { statuses.values.reduce(0, +) }
        var nonClientErrors: [Int: Int] { statuses.filter { !(400..<500).contains($0.key) && !(200..<300).contains($0.key) } }
    }

    /// The engine (not running: nothing is sent to a gateway), its store on a fresh database, and
    /// the worker's router.
    struct Stack: Sendable {
        let engine: PaymentEngine
        let verifier: ConvergeGateWebhookVerifier
        let pool: PostgresPool
        let client: any TestClientProtocol
    }

    static func withStack(_ body: @Sendable (Stack) async throws -> Void) async throws {
        let logger = Logger.silent
        var configuration = TenderConfiguration(
            database: try PostgresConfiguration(connectionString: try await testDatabase.makeDatabase()),
            gateway: try ConvergeGateConfiguration(baseURL: "http://127.0.0.1:9", secretKey: secretKey)
        )
        configuration.poolSize = 4
        configuration.apiToken = APIToken(token)
        try await TenderStack.withStack(configuration, logger: logger) { stack in
            var api = stack.api(metricsFactory: PrometheusMetricsFactory(registry: stack.registry))
            api.readiness = { .ready }
            let verifier = api.webhookVerifier
            let app = Application(router: api.router(), logger: logger)
            try await app.test(.router) { client in
                try await body(Stack(engine: stack.engine, verifier: verifier, pool: stack.pool, client: client))
            }
        }
    }

    // MARK: Webhooks

    /// Headers for `body`: mostly a valid signature, otherwise one of the ways to get it wrong.
    static func webhookHeaders(for body: [UInt8], random: inout SeededGenerator) -> [(name: String, value: String)] {
        let now = Int(Date().timeIntervalSince1970)
        let timestamp = String(now)
        let valid = webhookSignature(secretKey: secretKey, timestamp: timestamp, body: body)
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<80: return [("Sec-Timestamp", timestamp), ("Sec-Signature", valid)]
        case 80..<83: return [("Sec-Timestamp", timestamp)]
        case 83..<86: return [("Sec-Signature", valid)]
        case 86..<89: return [("Sec-Timestamp", timestamp), ("Sec-Signature", String(valid.dropLast()) + (valid.hasSuffix("0") ? "1" : "0"))]
        case 89..<91:
            return [
                ("Sec-Timestamp", String(now - 3_600)),
                ("Sec-Signature", webhookSignature(secretKey: secretKey, timestamp: String(now - 3_600), body: body)),
            ]
        case 91..<93: return [("Sec-Timestamp", timestamp + "0"), ("Sec-Signature", valid)]
        case 93..<95: return [("Sec-Timestamp", "12a"), ("Sec-Signature", valid)]
        case 95..<97:
            return [("Sec-Timestamp", timestamp), ("Sec-Signature", webhookSignature(secretKey: "sk_other", timestamp: timestamp, body: body))]
        default: return [("Sec-Timestamp", timestamp), ("Sec-Signature", String(repeating: "zz", count: 32))]
        }
    }

    /// The event id the verifier reads from an accepted body.
    static func eventID(of body: [UInt8]) -> String? {
        struct Event: Decodable { var id: String }
        return try? JSONDecoder().decode(Event.self, from: Data(body)).id
    }

    @Test("50,000 mutated webhooks through the engine and 5,000 through the router: each refused with a 4xx or stored; nothing else stored")
    func webhooks() async throws {
        try await Self.withStack { stack in
            var input = HostileInput(seed: 0x7E1D_E5)
            var random = SeededGenerator(seed: 0xF00D)
            let prefix = UUID().uuidString.prefix(8).lowercased()
            var accepted = Set<String>()
            var direct = Tally()
            for n in 0..<Self.bulk {
                let body = input.webhookBody(n, prefix: prefix).bytes
                let headers = Self.webhookHeaders(for: body, random: &random)
                do {
                    let hint = try stack.verifier.verify(headers: headers, body: body, now: Date())
                    _ = try await stack.engine.receiveWebhook(hint, body: body)
                    direct.record(200)
                    guard let id = Self.eventID(of: body) else {
                        direct.unexpected("accepted without an id: \(body.prefix(80))")
                        continue
                    }
                    accepted.insert(id)
                } catch let rejection as WebhookRejection {
                    direct.record(Int(rejection.responseStatus.code))
                } catch {
                    direct.record(503)
                    direct.unexpected("\(error) for \(String(decoding: body.prefix(120), as: UTF8.self))")
                }
            }

            var routed = Tally()
            for n in Self.bulk..<(Self.bulk + Self.routed) {
                let body = input.webhookBody(n, prefix: prefix).bytes
                var headers = HTTPFields()
                for (name, value) in Self.webhookHeaders(for: body, random: &random) {
                    headers[HTTPFields.Element.Name(name)!] = value  // the names above are valid
                }
                let response = try await stack.client.execute(
                    uri: "/webhooks/convergegate", method: .post, headers: headers, body: ByteBuffer(bytes: body)
                )
                routed.record(Int(response.status.code))
                if response.status == .ok {
                    guard let id = Self.eventID(of: body) else {
                        routed.unexpected("accepted without an id")
                        continue
                    }
                    accepted.insert(id)
                }
            }

            #expect(direct.total == Self.bulk)
            #expect(routed.total == Self.routed)
            #expect(direct.nonClientErrors.isEmpty, "direct: \(direct.statuses) \(direct.unexpected)")
            #expect(routed.nonClientErrors.isEmpty, "routed: \(routed.statuses)")
            #expect(direct.unexpected.isEmpty && routed.unexpected.isEmpty, "\(direct.unexpected) \(routed.unexpected)")
            // Enough of every kind of answer that the test means something.
            #expect(direct.statuses[400, default: 0] > 5_000 && direct.statuses[401, default: 0] > 2_500 && direct.statuses[200, default: 0] > 500)
            #expect(routed.statuses[400, default: 0] > 500 && routed.statuses[200, default: 0] > 50)

            // Exactly the accepted events are in the inbox, and no attempt came from a webhook.
            let stored = try await stack.pool.query("SELECT event_id FROM webhook_inbox")
            let storedIDs = Set(try stored.map { try $0.decode(String.self, at: 0) })
            #expect(storedIDs == accepted)
            #expect(try await count("SELECT count(*) FROM attempts", on: stack.pool) == 0)
        }
    }

    // MARK: Payments

    /// The answer the route gives to `body`, through the route's own parts: the generated type's
    /// decoding (unknown fields refused) and ``OrderAPI/submitPayment(_:)``; the payment id of a
    /// stored attempt.
    static func answer(to body: [UInt8], key: String, engine: PaymentEngine) async -> (status: Int, stored: String?, error: String?) {
        let payment: Components.Schemas.SubmitPayment
        do {
            payment = try JSONDecoder().decode(Components.Schemas.SubmitPayment.self, from: Data(body))
        } catch {
            return (400, nil, nil)
        }
        let output: Operations.SubmitPayment.Output
        do {
            output = try await OrderAPI(engine: engine, logger: .silent).submitPayment(
                .init(headers: .init(idempotencyKey: key), body: .json(payment)))
        } catch {
            return (500, nil, "\(error)")
        }
        switch output {
        case .created(let created): return (201, try? created.body.json.paymentId, nil)
        case .ok: return (200, nil, nil)
        case .badRequest: return (400, nil, nil)
        case .conflict(let refusal): return (409, nil, (try? refusal.body.json.error.code) ?? "")
        case .unprocessableContent: return (422, nil, nil)
        case .serviceUnavailable(let refusal): return (503, nil, (try? refusal.body.json.error.message) ?? "")
        default: return (500, nil, "undeclared answer \(output)")
        }
    }

    @Test("50,000 mutated payment bodies through the API's decoders and 5,000 through the router: each refused with a 4xx or stored as sent")
    func payments() async throws {
        try await Self.withStack { stack in
            var input = HostileInput(seed: 0xB11C)
            let prefix = "fuzz-\(UUID().uuidString.prefix(8).lowercased())"
            var created = Set<String>()
            var direct = Tally()
            for n in 0..<Self.bulk {
                let (body, pristine) = input.paymentBody(n, prefix: prefix)
                let answer = await Self.answer(to: body, key: "key-\(prefix)-\(n)", engine: stack.engine)
                direct.record(answer.status)
                if let error = answer.error, answer.status >= 500 {
                    direct.unexpected("\(error) for \(String(decoding: body.prefix(120), as: UTF8.self))")
                }
                if pristine, answer.status != 201 { direct.unexpected("a valid body answered \(answer.status)") }
                if let paymentID = answer.stored {
                    created.insert(paymentID)
                }
            }

            var routed = Tally()
            for n in Self.bulk..<(Self.bulk + Self.routed) {
                let (body, pristine) = input.paymentBody(n, prefix: prefix)
                let response = try await stack.client.execute(
                    uri: "/v1/payments", method: .post,
                    headers: [.authorization: "Bearer \(Self.token)", .idempotencyKey: "key-\(prefix)-\(n)", .contentType: "application/json"],
                    body: ByteBuffer(bytes: body)
                )
                routed.record(Int(response.status.code))
                if pristine, response.status != .created { routed.unexpected("a valid body answered \(response.status)") }
                if response.status == .created {
                    struct Created: Decodable { var payment_id: String }
                    let id = try JSONDecoder().decode(Created.self, from: Data(response.body.readableBytesView)).payment_id
                    created.insert(id)
                    let check = try await stack.client.execute(
                        uri:
                            "/v1/payments/\(id.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(.init(charactersIn: "/"))) ?? id)",
                        method: .get, headers: [.authorization: "Bearer \(Self.token)"], body: nil
                    )
                    if check.status != .ok { routed.unexpected("created \(id) but GET answered \(check.status)") }
                }
            }

            #expect(direct.total == Self.bulk && routed.total == Self.routed)
            #expect(direct.nonClientErrors.isEmpty, "direct: \(direct.statuses) \(direct.unexpected)")
            #expect(routed.nonClientErrors.isEmpty, "routed: \(routed.statuses)")
            #expect(direct.unexpected.isEmpty && routed.unexpected.isEmpty, "\(direct.unexpected) \(routed.unexpected)")
            #expect(direct.statuses[400, default: 0] > 10_000 && direct.statuses[422, default: 0] > 500 && direct.statuses[201, default: 0] > 500)
            #expect(routed.statuses[400, default: 0] > 1_000 && routed.statuses[201, default: 0] > 100)

            // One attempt per payment created, and nothing else.
            #expect(try await count("SELECT count(*) FROM attempts", on: stack.pool) == created.count)
            #expect(try await count("SELECT count(*) FROM payments", on: stack.pool) == created.count)
        }
    }
}
