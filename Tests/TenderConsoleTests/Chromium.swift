import Foundation
import Logging

/// A launched Chromium process and the temporary directory holding its profile and stderr.
struct Chromium: Sendable {
    private static let executableNames = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]
    private static let endpointPrefix = "DevTools listening on "

    let process: Process
    let directory: URL
    let stderr: URL

    /// Starts Chromium headless with a fresh profile, its DevTools listening on a free port.
    static func launch(windowSize: (width: Int, height: Int)) throws -> Chromium {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        let candidates = path.split(separator: ":").flatMap { directory in
            executableNames.map { URL(fileURLWithPath: String(directory)).appendingPathComponent($0) }
        }
        guard let executable = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
            throw BrowserError.notInstalled
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("browserkit-\(UUID().uuidString)")
        let profile = directory.appendingPathComponent("profile")
        let stderr = directory.appendingPathComponent("stderr.log")
        let process = Process()
        process.executableURL = executable
        process.arguments =
            [
                "--headless=new",
                "--remote-debugging-port=0",
                // The WebSocket client sends this Origin header, which Chromium otherwise refuses.
                "--remote-allow-origins=ws://127.0.0.1",
                "--user-data-dir=\(profile.path)",
                "--window-size=\(windowSize.width),\(windowSize.height)",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--password-store=basic",
                "--use-mock-keychain",
            ] + (geteuid() == 0 ? ["--no-sandbox"] : []) + ["about:blank"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        do {
            try FileManager.default.createDirectory(at: profile, withIntermediateDirectories: true)
            try Data().write(to: stderr)
            process.standardError = try FileHandle(forWritingTo: stderr)
            try process.run()
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw BrowserError.didNotStart("could not run \(executable.path): \(error)")
        }
        return Chromium(process: process, directory: directory, stderr: stderr)
    }

    /// Waits for the `DevTools listening on ws://…` line on Chromium's stderr and returns the URL.
    func devToolsEndpoint(timeout: Duration = .seconds(30)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while true {
            let output = String(decoding: (try? Data(contentsOf: stderr)) ?? Data(), as: UTF8.self)
            // The last piece may be a line still being written.
            let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            if let line = lines.first(where: { $0.hasPrefix(Self.endpointPrefix) }) {
                return String(line.dropFirst(Self.endpointPrefix.count))
            }
            guard process.isRunning else {
                throw BrowserError.didNotStart("it exited with status \(process.terminationStatus): \(output.suffix(2000))")
            }
            guard ContinuousClock.now < deadline else {
                throw BrowserError.didNotStart("no DevTools endpoint on stderr within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Lets Chromium exit on its own for a moment, then terminates it, and kills it as a last resort;
    /// finally removes the temporary directory.
    func quit() async {
        if await !exits(within: .seconds(2)) {
            process.terminate()
            if await !exits(within: .seconds(5)) {
                kill(process.processIdentifier, SIGKILL)
                _ = await exits(within: .seconds(5))
            }
        }
        try? FileManager.default.removeItem(at: directory)
    }

    /// Whether the process has exited, waiting up to `limit` (less when the task is cancelled).
    private func exits(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline {
            do {
                try await Task.sleep(for: .milliseconds(50))
            } catch {
                break
            }
        }
        return !process.isRunning
    }
}
