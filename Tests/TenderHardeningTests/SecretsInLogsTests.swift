import AsyncHTTPClient
import EphemeralPostgres
import Foundation
import LibPQ
import Logging
import NIOConcurrencyHelpers
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// Every log line written while payments run — by the engine, store, pool, gateway client, sandbox
/// and HTTP server in process, and by a `tender worker` process — is searched for the secrets the
/// run used: the API token, the gateway's secret key, the database password, the BLIK codes.
@Suite("No secrets in logs", .heavy)
struct SecretsInLogsTests {
    static let token = "api-token-c0ffee-6d2b91e4a7f3"
    static let password = "s3cr3t-pw-91f2d7"
    /// Distinctive codes: their digits appear nowhere else in a run.
    static let codes = ["739146", "815273", "406918"]

    /// The shared database's URL with a password (the test server trusts any password).
    static func urlWithPassword() async throws -> String {
        let url = try await testDatabase.makeDatabase()
        return url.replacingOccurrences(of: "postgres@", with: "postgres:\(password)@")
    }

    /// The secrets found in `text`, by name.
    static func secrets(in text: String, secretKey: String) -> [String] {
        var found: [String] = []
        if text.contains(token) { found.append("API token") }
        if text.contains(secretKey) { found.append("secret key") }
        if text.contains(password) { found.append("database password") }
        for code in codes where text.contains(code) { found.append("BLIK code \(code)") }
        return found
    }

    static func submit(_ base: String, id: String, code: String, token: String = token, amount: String = "1000") async throws -> Int {
        var request = HTTPClientRequest(url: "\(base)/v1/payments")
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Idempotency-Key", value: "key-\(id)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(
            Array(
                """
                {"payment_id":"\(id)","amount":\(amount),"currency":"PLN","blik_code":"\(code)",\
                "customer":{"email":"payer@example.com","first_name":"Jan","last_name":"Kowalski"}}
                """.utf8))
        return Int(try await HTTPClient.shared.execute(request, timeout: .seconds(10)).status.code)
    }

    static func state(_ base: String, id: String) async throws -> String? {
        var request = HTTPClientRequest(url: "\(base)/v1/payments/\(id)")
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        guard response.status == .ok else { return nil }
        struct View: Decodable { var state: String }
        return try? JSONDecoder().decode(View.self, from: Data(buffer: try await response.body.collect(upTo: 1 << 20))).state
    }

    /// Requests that put the secrets where a careless error path would echo them.
    static func provoke(_ base: String, prefix: String) async throws {
        #expect(try await submit(base, id: "\(prefix)-wrong-token", code: codes[0], token: token + "x") == 401)
        #expect(try await submit(base, id: "\(prefix)-bad-code", code: codes[1] + "0") == 422)
        #expect(try await submit(base, id: "\(prefix)-bad-amount", code: codes[2], amount: "\"\(codes[2])\"") == 400)
        #expect(try await submit(base, id: "\(prefix)-code-as-amount", code: codes[0], amount: codes[0] + "e400") == 400)
    }

    @Test("in process: no token, secret key, database password or BLIK code in any log line, at trace level")
    func inProcess() async throws {
        let capture = LogCapture()
        let databaseURL = try await Self.urlWithPassword()
        let sandbox = SandboxConfiguration(
            secretKey: LiveStack.secretKey, bank: BankBehavior(confirmationDelay: .uniform(.milliseconds(100) ... .milliseconds(400)), declineRate: 0)
        )
        let firstID = NIOLockedValueBox("")
        try await LiveStack.run(databaseURL: databaseURL, sandbox: sandbox, token: Self.token, logger: capture.logger) { stack in
            var ids: [String] = []
            for (n, code) in Self.codes.enumerated() {
                let id = "secrets-\(UUID().uuidString.prefix(8))-\(n)"
                #expect(try await Self.submit(stack.baseURL, id: id, code: code) == 201)
                ids.append(id)
            }
            firstID.withLockedValue { $0 = ids[0] }
            try await Self.provoke(stack.baseURL, prefix: "secrets")
            let finished = try await stack.waitUntil(timeout: .seconds(300)) {
                var done = true
                for id in ids where try await Self.state(stack.baseURL, id: id) != "completed" { done = false }
                return done
            }
            #expect(finished, "waiting for the payments \(ids) to complete")
        }

        // A pool that cannot connect, with the password in its URL, logs and throws without it.
        let unreachable = PostgresPool(
            configuration: try PostgresConfiguration(connectionString: "postgresql://postgres:\(Self.password)@127.0.0.1:1/nowhere"),
            size: 1, logger: capture.logger(label: "tender.pool.unreachable")
        )
        await #expect {
            try await unreachable.query("SELECT 1")
        } throws: { error in
            "\(error)".contains(Self.password) == false && String(reflecting: error).contains(Self.password) == false
        }
        await unreachable.close()

        let lines = capture.all
        #expect(lines.count > 100, "too little was logged for the test to mean anything")
        #expect(lines.contains { $0.contains(firstID.withLockedValue { $0 }) }, "the payments' own log lines were not captured")
        let leaks = lines.filter { !Self.secrets(in: $0, secretKey: LiveStack.secretKey).isEmpty }
        #expect(leaks.isEmpty, "\(leaks.prefix(5))")
    }

    @Test("a tender worker process at trace level: no token, secret key, database password or BLIK code in its output")
    func workerProcess() async throws {
        let databaseURL = try await Self.urlWithPassword()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tender-secrets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let tokenFile = directory.appendingPathComponent("token")
        let keyFile = directory.appendingPathComponent("secret-key")
        try Data((Self.token + "\n").utf8).write(to: tokenFile)
        try Data((LiveStack.secretKey + "\n").utf8).write(to: keyFile)
        let port = try FreePort.pick()
        let base = "http://127.0.0.1:\(port)"
        let sandbox = SandboxConfiguration(
            secretKey: LiveStack.secretKey, bank: BankBehavior(confirmationDelay: .uniform(.milliseconds(100) ... .milliseconds(400)), declineRate: 0)
        )
        try await ConvergeGateSandbox.withRunning(sandbox, logger: .silent) { sandbox in
            try await TenderProcess.withRunning(
                ["worker"],
                environment: [
                    "TENDER_DATABASE_URL": databaseURL,
                    "TENDER_GATEWAY_URL": await sandbox.baseURL,
                    "TENDER_GATEWAY_SECRET_KEY_FILE": keyFile.path,
                    "TENDER_API_TOKEN_FILE": tokenFile.path,
                    "TENDER_HTTP_PORT": "\(port)",
                    "TENDER_WEBHOOK_URL": "\(base)/webhooks/convergegate",
                    "TENDER_LOG_LEVEL": "trace",
                ]
            ) { worker in
                try await Self.checkWorker(worker, base: base)
            }
        }
    }

    /// Submits and provokes through `worker`, waits for the payments, stops it, and searches its output.
    private static func checkWorker(_ worker: TenderProcess, base: String) async throws {
        try await worker.waitUntilReady(at: base)
        var ids: [String] = []
        for (n, code) in codes.enumerated() {
            let id = "worker-secrets-\(UUID().uuidString.prefix(8))-\(n)"
            #expect(try await submit(base, id: id, code: code) == 201)
            ids.append(id)
        }
        try await provoke(base, prefix: "worker")
        var states: [String?] = []
        let completed = try await waitUntil(timeout: .seconds(300), every: .milliseconds(300)) {
            states = []
            for id in ids { states.append(try await state(base, id: id)) }
            return states.allSatisfy { $0 == "completed" }
        }
        #expect(completed, "waiting for the payments to complete: \(states)")
        #expect(try await worker.terminate() == 0)
        let log = worker.log
        #expect(log.split(separator: "\n").count > 20, "too little was logged for the test to mean anything")
        #expect(ids.allSatisfy { log.contains($0) }, "the payments' own log lines were not captured")
        #expect(secrets(in: log, secretKey: LiveStack.secretKey).isEmpty, "\(secrets(in: log, secretKey: LiveStack.secretKey))")
    }
}
