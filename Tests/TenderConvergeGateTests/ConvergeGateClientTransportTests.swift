import Logging
import Tender
import TenderConvergeGate
import Testing

@Suite("Client failures before anything reaches a gateway")
struct ConvergeGateClientTransportTests {
    @Test("a refused connection is retry-later with the outcome known")
    func connectionRefused() async throws {
        // Nothing listens on port 1 of the loopback interface.
        let configuration = try ConvergeGateConfiguration(
            baseURL: "http://127.0.0.1:1",
            secretKey: "sk_test_transport",
            timeouts: .init(connect: .milliseconds(500), read: .seconds(1))
        )
        try await ConvergeGateClient.withClient(configuration: configuration, logger: Logger(label: "test")) { client in
            await #expect {
                try await client.session(id: "S1")
            } throws: { error in
                let error = error as? GatewayError
                return error?.kind == .retryLater && error?.outcomeUnknown == false && error?.httpStatus == nil
            }
        }
    }

    @Test("a session id with a slash is refused without a call", arguments: ["a/b", "", ".."])
    func slashInSessionID(id: String) async throws {
        let configuration = try ConvergeGateConfiguration(baseURL: "http://127.0.0.1:1", secretKey: "sk_test_transport")
        let code = try BLIKCode("123456")
        try await ConvergeGateClient.withClient(configuration: configuration, logger: Logger(label: "test")) { client in
            // Had a request been made, the refused connection would answer retry-later.
            let refused = GatewayError(kind: .requestRejected, message: "invalid session id")
            await #expect(throws: refused) { try await client.session(id: id) }
            await #expect(throws: refused) { try await client.pay(sessionID: id, code: code, idempotencyKey: "k") }
            await #expect(throws: refused) {
                try await client.refund(sessionID: id, amount: nil, reason: .duplicated, idempotencyKey: "k")
            }
        }
    }
}
