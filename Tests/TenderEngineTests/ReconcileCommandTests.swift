import Foundation
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// `tender reconcile`, run as an operator would, against a database and the sandbox.
@Suite("Reconcile command", .serialized)
struct ReconcileCommandTests {
    struct Report: Decodable {
        struct Mismatch: Decodable {
            var session_id: String
            var field: String
            var tender: String
            var gateway: String
        }
        var checked: Int
        var mismatches: [Mismatch]
    }

    /// Runs `tender reconcile --since 1h --json FILE` and returns its exit status, report and output.
    func reconcile(_ rig: EngineRig) async throws -> (status: Int32, report: Report, log: String) {
        let json = FileManager.default.temporaryDirectory.appendingPathComponent("reconcile-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: json) }
        let process = try TenderProcess(
            ["reconcile", "--since", "1h", "--json", json.path],
            environment: [
                "TENDER_DATABASE_URL": rig.databaseURL, "TENDER_GATEWAY_URL": await rig.sandbox.baseURL,
                "TENDER_GATEWAY_SECRET_KEY": EngineHarness.secretKey, "TENDER_POLL_BUDGET": "1000",
            ])
        let status = try await process.exitStatus(timeout: .seconds(120))
        let report = try JSONDecoder().decode(Report.self, from: Data(contentsOf: json))
        return (status, report, process.log)
    }

    @Test("an untouched run reconciles with no mismatch; two tampered sessions are both reported and the exit is non-zero")
    func tamperedSessionsAreReported() async throws {
        let sandbox = SandboxConfiguration(secretKey: "", bank: BankBehavior(confirmationDelay: .fixed(.milliseconds(100))))
        try await EngineRig.run(sandbox: sandbox, policy: .fastForTests) { rig in
            let engine = rig.engine(workerID: "reconciled")
            let attempts = try await withServices([engine], logger: rig.logger) {
                let attempts = try await rig.submit(
                    codes: Array(repeating: MagicBLIKCode.immediateCompletion.rawValue, count: 4) + ["123456", "123456"])
                let done = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
                    var states: [AttemptState] = []
                    for attempt in attempts { states.append(try await rig.store.attempt(attempt.id)?.state ?? .submitted) }
                    return states.allSatisfy { $0 == .completed }
                }
                #expect(done)
                return attempts
            }

            let clean = try await reconcile(rig)
            #expect(clean.status == 0, "\(clean.log)")
            #expect(clean.report.checked == 6)
            #expect(clean.report.mismatches.isEmpty, "\(clean.report.mismatches.map(\.field))")

            var tampered: [String] = []
            for attempt in attempts.prefix(2) {
                let session = try #require(try await rig.store.attempt(attempt.id)?.sessionID)
                try await rig.sandbox.tamper(sessionID: session, amount: 990)
                tampered.append(session)
            }
            let dirty = try await reconcile(rig)
            #expect(dirty.status == 1, "\(dirty.log)")
            #expect(dirty.report.mismatches.map(\.session_id).sorted() == tampered.sorted())
            #expect(dirty.report.mismatches.allSatisfy { $0.field == "amount" && $0.tender == "1000" && $0.gateway == "990" })
        }
    }
}
