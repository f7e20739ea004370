import Foundation

/// A `tender` child process with its stdout and stderr captured in a file.
final class TenderProcess {
    /// Where `swift build` puts the executable, relative to this package's root.
    static var executable: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/tender")
    }

    let process: Process
    private let output: URL

    /// Starts `tender ARGUMENTS` with exactly `environment` (nothing inherited but `PATH`).
    init(_ arguments: [String], environment: [String: String]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw MissingExecutable(path: Self.executable.path)
        }
        output = FileManager.default.temporaryDirectory.appendingPathComponent("tender-hardening-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: output.path, contents: nil) else { throw CocoaError(.fileWriteUnknown) }
        let handle = try FileHandle(forWritingTo: output)
        process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.environment = environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]) { own, _ in own }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try handle.close()
    }

    /// Everything the process wrote so far.
    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    /// Sends SIGTERM and waits up to `timeout` for the exit (then kills it); returns the status.
    func terminate(timeout: Duration = .seconds(30)) async throws -> Int32 {
        kill(process.processIdentifier, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning, clock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        try? FileManager.default.removeItem(at: output)
    }
}

struct MissingExecutable: Error, CustomStringConvertible {
    var path: String
    var description: String { "no tender executable at \(path); run `swift build --product tender` first" }
}
