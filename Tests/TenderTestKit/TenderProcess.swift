import Foundation

/// A `tender` child process, started from the executable `swift build` made, with its stdout and
/// stderr captured in a file.
public final class TenderProcess {
    /// The executable `swift build` put beside this test binary, in whichever build folder (a
    /// sanitizer's has its own) the tests run from.
    static var executable: URL {
        let testBinary = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return testBinary.deletingLastPathComponent().appendingPathComponent("tender")
    }

    private let process = Process()
    private let output: URL
    /// Whether `output` is this process's own file, removed when the process is released.
    private let ownsOutput: Bool
    /// The exit status, once the process has exited (`nil` if it could not be learned).
    private let exited: Task<Int32?, Never>

    /// Starts `tender ARGUMENTS` with exactly `environment` (nothing inherited but `PATH` and a
    /// sanitizer's options, so that a sanitized child keeps the suppressions of its parent).
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
        process.environment = environment.merging(Self.inherited) { own, _ in own }
        process.standardOutput = handle
        process.standardError = handle
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        exited = Task {
            for await status in stream { return status }
            return nil
        }
        process.terminationHandler = { process in
            continuation.yield(process.terminationStatus)
            continuation.finish()
        }
        try process.run()
        try handle.close()
    }

    /// What a child inherits from this process's environment: `PATH`, and the options of
    /// whichever sanitizer the tests were built with.
    static var inherited: [String: String] {
        let own = ProcessInfo.processInfo.environment
        var inherited = ["PATH": own["PATH"] ?? "/usr/bin:/bin"]
        for name in ["ASAN_OPTIONS", "LSAN_OPTIONS", "TSAN_OPTIONS"] {
            inherited[name] = own[name]
        }
        return inherited
    }

    /// Everything written to the output file so far.
    public var log: String {
        (try? String(contentsOf: output, encoding: .utf8)) ?? ""
    }

    /// Sends `signal` to the process.
    public func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Starts `tender ARGUMENTS` as ``init(_:environment:appendingOutputTo:)`` does, runs `body`
    /// with it, and then kills the process and waits for it to exit, whether `body` returned or
    /// threw.
    public static func withRunning<T>(
        _ arguments: [String], environment: [String: String], appendingOutputTo log: URL? = nil,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (TenderProcess) async throws -> T
    ) async throws -> T {
        let process = try TenderProcess(arguments, environment: environment, appendingOutputTo: log)
        return try await withCleanup {
            try await body(process)
        } cleanup: {
            await process.stop()
        }
    }

    /// Whether the process has not exited yet.
    public var isRunning: Bool { process.isRunning }

    /// Waits for the exit status; after `timeout` kills the process and throws ``Timeout``.
    public func exitStatus(timeout: Duration = .seconds(30)) async throws -> Int32 {
        let pid = process.processIdentifier
        return try await withThrowingTaskGroup(of: Int32?.self) { group in
            group.addTask { [exited] in await exited.value }
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

    /// Kills the process with SIGKILL, if it still runs, and waits until it has exited.
    public func stop() async {
        if process.isRunning { signal(SIGKILL) }
        _ = await exited.value
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
