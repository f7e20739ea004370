import Foundation

/// A `tender` child process, started from the executable `swift build` made, with its stdout and
/// stderr captured in a file.
public final class TenderProcess {
    /// Where `swift build` puts the executable, relative to this package's root.
    static var executable: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/tender")
    }

    private let process = Process()
    private let output: URL
    /// Whether `output` is this process's own file, removed when the process is released.
    private let ownsOutput: Bool
    private let exited: AsyncStream<Int32>

    /// Starts `tender ARGUMENTS` with exactly `environment` (nothing inherited but `PATH`).
    ///
    /// - Parameter log: a file to append the output to, shared with other processes and left in
    ///   place; when `nil`, the output goes to a temporary file of its own.
    /// - Throws: ``MissingExecutable`` when `swift build` has not made the executable yet.
    public init(_ arguments: [String], environment: [String: String], appendingOutputTo log: URL? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw MissingExecutable(path: Self.executable.path)
        }
        output = log ?? FileManager.default.temporaryDirectory.appendingPathComponent("tender-process-\(UUID().uuidString).log")
        ownsOutput = log == nil
        guard FileManager.default.fileExists(atPath: output.path) || FileManager.default.createFile(atPath: output.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let handle = try FileHandle(forWritingTo: output)
        try handle.seekToEnd()
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

    /// Everything written to the output file so far.
    public var log: String {
        (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }

    /// Sends `signal` to the process.
    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the exit status (once: a second call finds no status); after `timeout` kills the
    /// process and throws ``Timeout``.
    public func exitStatus(timeout: Duration = .seconds(30)) async throws -> Int32 {
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
                throw Timeout(log: log)
            }
            return status
        }
    }

    /// Sends SIGTERM and returns the exit status, as ``exitStatus(timeout:)`` does.
    public func terminate(timeout: Duration = .seconds(30)) async throws -> Int32 {
        signal(SIGTERM)
        return try await exitStatus(timeout: timeout)
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        if ownsOutput { try? FileManager.default.removeItem(at: output) }
    }

    /// There is no `tender` executable to start.
    public struct MissingExecutable: Error, CustomStringConvertible {
        /// Where the executable was looked for.
        public var path: String
        /// What to do about it.
        public var description: String { "no tender executable at \(path); run `swift build --product tender` first" }
    }

    /// A process, or something waited for on it, took too long.
    public struct Timeout: Error, CustomStringConvertible {
        /// The process's output up to then.
        public var log: String

        /// A timeout showing `log`.
        public init(log: String) { self.log = log }

        /// Says so, with the output.
        public var description: String { "the process did not exit in time; its output:\n\(log)" }
    }
}
