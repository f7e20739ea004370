import Foundation

/// A `tender worker` child process, to be killed.
final class WorkerProcess {
    /// Where `swift build` puts the executable, relative to this package's root.
    static var executable: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent(".build/debug/tender")
    }

    private let process = Process()
    private let exited: AsyncStream<Int32>

    /// Starts `tender worker` with exactly `environment` (nothing inherited but `PATH`); its
    /// output goes to `log`.
    init(environment: [String: String], log: URL) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.executable.path) else {
            throw RigTimeout(what: "no tender executable at \(Self.executable.path); run `swift build --product tender` first")
        }
        guard FileManager.default.fileExists(atPath: log.path) || FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown)
        }
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        process.executableURL = Self.executable
        process.arguments = ["worker"]
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

    /// Sends `signal` and waits until the process is gone.
    func stop(with signal: Int32) async {
        kill(process.processIdentifier, signal)
        for await _ in exited {}
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
