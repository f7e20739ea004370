import AsyncHTTPClient
import EphemeralPostgres
import Foundation
import TenderSandbox

/// A `tender sandbox` child process, so that a benchmark's resident memory and CPU time are the
/// engine's alone.
struct BenchSandboxProcess {
    let process: Process
    /// Where the sandbox listens.
    let baseURL: String

    /// Starts a sandbox whose payers confirm after 40–80 s (times `timeScale`) and which drops
    /// `webhookDropRate` of its webhooks.
    static func start(secretKey: String, timeScale: Double, webhookDropRate: Double) throws -> BenchSandboxProcess {
        let port = try FreePort.pick()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = [
            "sandbox", "--port", "\(port)", "--secret-key", secretKey, "--time-scale", "\(timeScale)",
            "--confirm-min", "40", "--confirm-max", "80", "--no-created-event", "--webhook-drop-rate", "\(webhookDropRate)",
            "--seed", "9", "--log-level", "warning",
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        return BenchSandboxProcess(process: process, baseURL: "http://127.0.0.1:\(port)")
    }

    /// Waits until the sandbox answers, for up to `timeout`.
    func waitUntilReady(timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await ledger()) != nil {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw BenchFailure("the sandbox process did not answer at \(baseURL)")
    }

    /// The sandbox's ledger, from `GET /_sandbox/ledger`.
    func ledger() async throws -> SandboxLedger {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: baseURL + "/_sandbox/ledger"), timeout: .seconds(60))
        guard response.status == .ok else {
            throw BenchFailure("the sandbox answered \(response.status) for its ledger")
        }
        let body = try await response.body.collect(upTo: 1 << 30)
        return try SandboxLedger.decode(from: Data(buffer: body))
    }

    /// Stops the sandbox and waits for it.
    func stop() {
        process.terminate()
        process.waitUntilExit()
    }
}
