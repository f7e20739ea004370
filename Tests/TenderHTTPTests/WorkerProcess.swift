import Foundation
import Testing

/// A `tender` child process with its output captured.
final class WorkerProcess {
    /// Where `swift build` puts the executable, relative to this package's root.
    static var executable: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/tender")
    }

    let process: Process
    private let output: URL
    private let exited: AsyncStream<Int32>

    /// Starts `tender ARGUMENTS` with exactly `environment` (nothing inherited but `PATH`).
    init(_ arguments: [String], environment: [String: String]) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw MissingExecutable(path: Self.executable.path)
        }
        output = FileManager.default.temporaryDirectory.appendingPathComponent("tender-worker-\(UUID().uuidString).log")
        guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let handle = try FileHandle(forWritingTo: output)
        process = Process()
        process.executableURL = Self.executable
        process.arguments = arguments
        process.environment = environment.merging(["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]) { own, _ in own }
        process.standardOutput = handle
        process.standardError = handle
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        exited = stream
        process.terminationHandler = { process in
            continuation.yield(process.terminationStatus)
            continuation.finish()
        }
        try process.run()
        try handle.close()
    }

    /// Everything the process wrote to stdout and stderr so far.
    var log: String {
        (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }

    /// Sends a signal.
    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the exit status; kills the process and fails after `timeout`.
    func exitStatus(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let pid = process.processIdentifier
        return try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask { [exited] in
                for await status in exited { return status }
                return nil
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                kill(pid, SIGKILL)
                return nil
            }
            defer { group.cancelAll() }
            guard let status = try await group.next() ?? nil else {
                throw ProcessTimeout(log: log)
            }
            return status
        }
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

struct ProcessTimeout: Error, CustomStringConvertible {
    var log: String
    var description: String { "the process did not exit in time; its output:\n\(log)" }
}
