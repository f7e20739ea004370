import Foundation

/// One run of an external program, awaited without blocking a thread of the cooperative pool.
///
/// The program's standard output and error go to a temporary file rather than a pipe: a server
/// that the program starts in the background may inherit the descriptors, and a pipe would then
/// stay open (and a reader blocked) for as long as that server lives.
struct Command: Sendable {
    /// Absolute path of the program.
    var executable: String
    /// Its arguments.
    var arguments: [String]

    /// What a finished run produced.
    struct Result: Sendable {
        /// The exit status (or the number of the signal that ended it).
        var status: Int32
        /// Standard output and standard error, interleaved.
        var output: String

        /// Whether the program exited with status 0.
        var succeeded: Bool { self.status == 0 }
    }

    /// The command line, for messages.
    var commandLine: String {
        ([self.executable] + self.arguments).joined(separator: " ")
    }

    /// Runs the program to completion and returns its status and output.
    func run() async throws -> Result {
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("ephemeral-postgres-output-\(UUID().uuidString)").path
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
              let outputHandle = FileHandle(forWritingAtPath: outputPath)
        else {
            throw EphemeralPostgresError(code: .fileSystem, message: "cannot create output file \(outputPath)")
        }
        defer {
            try? outputHandle.close()
            try? FileManager.default.removeItem(atPath: outputPath)
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: self.executable)
        process.arguments = self.arguments
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        process.environment = Self.environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = outputHandle
        process.standardError = outputHandle

        let status: Int32
        do {
            status = try await withCheckedThrowingContinuation { continuation in
                process.terminationHandler = { finished in
                    continuation.resume(returning: finished.terminationStatus)
                }
                do {
                    try process.run()
                } catch {
                    process.terminationHandler = nil
                    continuation.resume(throwing: error)
                }
            }
        } catch {
            throw EphemeralPostgresError(
                code: .commandFailed,
                message: "cannot run \(self.executable): \(error)"
            )
        }
        let data = FileManager.default.contents(atPath: outputPath) ?? Data()
        return Result(status: status, output: String(decoding: data, as: UTF8.self))
    }

    /// Runs the program and throws a ``EphemeralPostgresError/Code/commandFailed`` error carrying
    /// the output tail when it exits with a status other than 0.
    @discardableResult
    func runChecked() async throws -> Result {
        let result = try await self.run()
        guard result.succeeded else {
            throw EphemeralPostgresError(
                code: .commandFailed,
                message: "\(self.commandLine) exited with status \(result.status)",
                output: Self.tail(of: result.output)
            )
        }
        return result
    }

    /// Starts the program in the background, detached from this process's input and output, and
    /// does not wait for it.
    func launchDetached() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: self.executable)
        process.arguments = self.arguments
        process.currentDirectoryURL = URL(fileURLWithPath: "/")
        process.environment = Self.environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw EphemeralPostgresError(
                code: .commandFailed,
                message: "cannot run \(self.executable): \(error)"
            )
        }
    }

    /// The last `lines` lines of a text.
    static func tail(of text: String, lines: Int = 30) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .suffix(lines)
            .joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// This process's environment without the `PG…` variables, so that a `PGHOST` or `PGPORT`
    /// of the caller cannot redirect a tool to another server.
    private static var environment: [String: String] {
        ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
    }
}
