import EphemeralPostgres
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import TenderClient
import TenderSandbox
import TenderTestKit
import Testing

/// `tender worker` exports its spans over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set: a
/// collector of our own receives a payment's spans.
@Suite(.serialized, .heavy) struct TraceExportTests {
    static let gatewayKey = "sk_test_trace_export"
    static let token = "trace-export-token-5b8d20"

    /// What a collector received on `/v1/traces`.
    final class Received: Sendable {
        private let bodies = NIOLockedValueBox<[String]>([])
        func add(_ body: String) { bodies.withLockedValue { $0.append(body) } }
        var all: String { bodies.withLockedValue { $0.joined(separator: "\n") } }
    }

    @Test("a worker with an OTLP endpoint exports a payment's submission, task, gateway and transition spans")
    func spansReachTheCollector() async throws {
        let received = Received()
        let router = Router()
        router.post("/v1/traces") { request, _ in
            received.add(String(buffer: try await request.body.collect(upTo: 1 << 22)))
            return Response(status: .ok, headers: [.contentType: "application/x-protobuf"])
        }
        let collectorPort = try FreePort.pick()
        let collector = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: collectorPort)))
        let databaseURL = try await testDatabase.makeDatabase()
        let port = try FreePort.pick()
        let base = "http://127.0.0.1:\(port)"
        try await withServices([collector], logger: .init(label: "tender.test.collector")) {
            try await ConvergeGateSandbox.withRunning(SandboxConfiguration(secretKey: Self.gatewayKey), logger: .init(label: "tender.test.traces")) {
                sandbox in
                try await TenderProcess.withRunning(
                    ["worker", "--http-port", "\(port)"],
                    environment: [
                        "TENDER_DATABASE_URL": databaseURL, "TENDER_GATEWAY_URL": await sandbox.baseURL,
                        "TENDER_GATEWAY_SECRET_KEY": Self.gatewayKey, "TENDER_API_TOKEN": Self.token, "TENDER_LOG_LEVEL": "notice",
                        "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:\(collectorPort)", "OTEL_BSP_SCHEDULE_DELAY": "100",
                    ]
                ) { worker in
                    try await worker.waitUntilReady(at: base)
                    let tender = TenderClient(serverURL: try #require(URL(string: base)), token: Self.token, timeout: .seconds(10))
                    let id = "order-\(UUID().uuidString)"
                    _ = try await tender.submit(APIHarness.paymentRequest(id: id, code: "000012"), idempotencyKey: "key-\(id)")
                    let exported = try await waitUntil(timeout: .seconds(120), every: .milliseconds(200)) {
                        let text = received.all
                        return ["tender.submit", "tender.call", "tender.gateway.create", "tender.gateway.pay", "tender.transition", id].allSatisfy {
                            text.contains($0)
                        }
                    }
                    #expect(exported, "the collector received: \(received.all.count) bytes\n\(worker.log)")
                    #expect(!received.all.contains("000012"), "no BLIK code in a span")
                    #expect(!received.all.contains(Self.gatewayKey))
                }
            }
        }
    }
}
