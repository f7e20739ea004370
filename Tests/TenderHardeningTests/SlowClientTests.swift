import AsyncHTTPClient
import Foundation
import NIOCore
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// Clients that never finish their requests cannot crowd out the order system and the gateway.
@Suite("Slow clients", .heavy)
struct SlowClientTests {
    static let token = "slow-client-token-2b7d91"

    @Test("1,100 trickling connections are closed by the request deadline while 50 payments complete", .timeLimit(.minutes(10)))
    func tricklersAreClosedAndPaymentsComplete() async throws {
        let databaseURL = try await testDatabase.makeDatabase()
        let sandbox = SandboxConfiguration(
            secretKey: LiveStack.secretKey, bank: BankBehavior(confirmationDelay: .uniform(.milliseconds(100) ... .milliseconds(500))))
        try await LiveStack.run(
            databaseURL: databaseURL, sandbox: sandbox, token: Self.token, requestTimeout: .seconds(2), logger: { _ in .silent }
        ) { stack in
            let port = try #require(URL(string: stack.baseURL)?.port)
            // Half post a webhook, half a payment with a wrong token; each announces a body it
            // sends a byte every half second. The cap of 1,024 connections is full.
            let tricklers = try await withThrowingTaskGroup(of: (String, Trickler).self) { group in
                for index in 0..<1_100 {
                    let route = index.isMultiple(of: 2) ? "webhook" : "api"
                    group.addTask { (route, try await Trickler.start(port: port, head: Self.head(route), interval: .milliseconds(500))) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }

            // The order system submits 50 payments meanwhile; the gateway's webhooks complete them.
            let client = HTTPClient(eventLoopGroupProvider: .singleton)
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<50 {
                        group.addTask { try await Self.submit(index, to: stack.baseURL, with: client) }
                    }
                    try await group.waitForAll()
                }
                try await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
            let completed = try await stack.waitUntil(timeout: .seconds(300)) {
                try await count("SELECT count(*) FROM attempts WHERE state = 'completed'", on: stack.pool) == 50
            }
            #expect(completed, "waiting for the 50 payments to complete")

            // The server closed every trickling connection: none of them ever finishes its body.
            let closed = try await stack.waitUntil(timeout: .seconds(300)) {
                tricklers.allSatisfy { $0.1.seen.closed }
            }
            #expect(closed, "\(tricklers.filter { !$0.1.seen.closed }.count) trickling connections still open")
            for (route, trickler) in tricklers {
                let received = trickler.seen.received
                switch route {
                case "api":
                    // Refused before its body was read, and closed instead of reading the rest.
                    #expect(received.hasPrefix("HTTP/1.1 401"), "\(received.prefix(60))")
                    #expect(received.lowercased().contains("connection: close"))
                default:
                    #expect(!received.hasPrefix("HTTP/1.1 2"), "a webhook without its body was accepted: \(received.prefix(60))")
                }
            }
        }
    }

    /// A request head announcing a body of 60,000 bytes, and its first byte.
    static func head(_ route: String) -> String {
        let start =
            route == "webhook"
            ? "POST /webhooks/convergegate HTTP/1.1\r\nConvergeGate-Signature: t=1,v1=00\r\n"
            : "POST /v1/payments HTTP/1.1\r\nAuthorization: Bearer not-the-token-at-all\r\nIdempotency-Key: trickle\r\n"
        return start + "Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n{"
    }

    /// Submits payment `index` through the API, as the order system would.
    static func submit(_ index: Int, to baseURL: String, with client: HTTPClient) async throws {
        var request = HTTPClientRequest(url: baseURL + "/v1/payments")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Idempotency-Key", value: "slow-\(index)")
        let body = """
            {"payment_id": "slow-\(index)", "amount": 1000, "currency": "PLN", "blik_code": "\(String(200_000 + index))",
             "customer": {"email": "payer\(index)@example.com", "first_name": "Jan", "last_name": "Kowalski"}}
            """
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(120))
        #expect(response.status.code == 201, "payment \(index) answered \(response.status.code)")
    }
}
