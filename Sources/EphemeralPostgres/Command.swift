import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One run of an external program, awaited on a thread of its own so that no thread of the
/// cooperative pool blocks.
///
/// Programs are started with `posix_spawn` rather than Foundation's `Process`: `pg_ctl` leaves
/// the server running in the background, and the server would inherit every descriptor the
/// program had — including the one through which `Process` learns that its child ended, which
/// then never happens while the server lives. Here the child gets `/dev/null` as input, a
/// temporary file as output and error, and no other descriptor.
struct Command: Sendable {
    /// Absolute path of the program.
    var executable: String
    /// Its arguments.
    var arguments: [String]
    /// Whether the program starts a session of its own, out of reach of signals sent to this
    /// process's group or terminal.
    var newSession = false

    /// What a finished run produced.
    struct Result: Sendable {
        /// The exit status, or 128 plus the number of the signal that ended the program.
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
        let output = open(outputPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard output >= 0 else {
            throw EphemeralPostgresError(
                code: .fileSystem,
                message: "cannot create \(outputPath): \(String(cString: strerror(errno)))"
            )
        }
        defer {
            close(output)
            unlink(outputPath)
        }
        let pid = try self.spawn(output: output)
        let status = await Self.waitForExit(pid)
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

    /// The last `lines` lines of a text.
    static func tail(of text: String, lines: Int = 30) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false)
            .suffix(lines)
            .joined(separator: "\n")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Starts the program with `output` as its standard output and error.
    private func spawn(output: Int32) throws -> pid_t {
        #if os(Linux)
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
        #else
            var actions: posix_spawn_file_actions_t?
            var attributes: posix_spawnattr_t?
        #endif
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)

        // The child starts with no blocked signals and default handlers: the Swift runtime
        // ignores SIGPIPE, and ignored signals would otherwise be inherited.
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        sigaddset(&defaultSignals, SIGPIPE)
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)

        #if os(Linux)
            Self.closeOtherDescriptors(&actions)
            if self.newSession {
                flags |= Self.spawnSetSID
            }
        #else
            flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
            if self.newSession {
                flags |= Int32(POSIX_SPAWN_SETSID)
            }
        #endif
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let environment = ProcessInfo.processInfo.environment
            .filter { !$0.key.hasPrefix("PG") }
            .map { "\($0.key)=\($0.value)" }
        var pid = pid_t()
        let spawned = Self.withCStrings([self.executable] + self.arguments) { argv in
            Self.withCStrings(environment) { envp in
                posix_spawn(&pid, self.executable, &actions, &attributes, argv, envp)
            }
        }
        guard spawned == 0 else {
            throw EphemeralPostgresError(
                code: .commandFailed,
                message: "cannot run \(self.executable): \(String(cString: strerror(spawned)))"
            )
        }
        return pid
    }

    #if os(Linux)
        /// glibc's `POSIX_SPAWN_SETSID` (spawn.h), which Swift does not import because it is a GNU
        /// extension.
        private static let spawnSetSID: Int32 = 0x80

        /// Closes every descriptor above 2 in the child with glibc's
        /// `posix_spawn_file_actions_addclosefrom_np` (2.34 and later; a GNU extension Swift does not
        /// import, hence looked up by name). Without it, only descriptors opened with close-on-exec
        /// stay behind.
        private static func closeOtherDescriptors(_ actions: inout posix_spawn_file_actions_t) {
            typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            guard let library = dlopen(nil, RTLD_NOW),
                let symbol = dlsym(library, "posix_spawn_file_actions_addclosefrom_np")
            else {
                return
            }
            let addCloseFrom = unsafeBitCast(symbol, to: AddCloseFrom.self)
            _ = addCloseFrom(&actions, 3)
        }
    #endif

    /// Waits for the process `pid` on a thread of its own and returns its status.
    private static func waitForExit(_ pid: pid_t) async -> Int32 {
        await withCheckedContinuation { continuation in
            let waiter = Thread {
                var status: Int32 = 0
                var waited: pid_t
                repeat {
                    waited = waitpid(pid, &status, 0)
                } while waited == -1 && errno == EINTR
                guard waited == pid else {
                    continuation.resume(returning: -1)
                    return
                }
                let signal = status & 0x7f
                continuation.resume(returning: signal == 0 ? (status >> 8) & 0xff : 128 + signal)
            }
            waiter.name = "EphemeralPostgres wait \(pid)"
            waiter.start()
        }
    }

    /// Calls `body` with a `NULL`-terminated array of C strings.
    private static func withCStrings<R>(
        _ strings: [String],
        _ body: ([UnsafeMutablePointer<CChar>?]) -> R
    ) -> R {
        let pointers = strings.map { strdup($0) } + [nil]
        defer {
            for pointer in pointers { free(pointer) }
        }
        return body(pointers)
    }
}
