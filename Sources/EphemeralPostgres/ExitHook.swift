import Foundation
import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Shuts servers down when the process exits normally, so that a finished test run leaves no
/// server behind even for the second or so the watchdog would take.
enum ExitHook {
    private struct State {
        var registered = false
        var dataDirectories: [String] = []
    }

    private static let state = NIOLockedValueBox(State())

    /// Arranges a fast shutdown of the server of `dataDirectory` at process exit.
    static func stopAtExit(dataDirectory: String) {
        let needsRegistration = Self.state.withLockedValue { state in
            state.dataDirectories.append(dataDirectory)
            defer { state.registered = true }
            return !state.registered
        }
        if needsRegistration {
            atexit { ExitHook.stopAll() }
        }
    }

    /// Sends each server `SIGINT` (PostgreSQL's fast shutdown) and waits up to five seconds for
    /// each to remove its `postmaster.pid`. The watchdogs then remove the directories.
    private static func stopAll() {
        let directories = Self.state.withLockedValue { $0.dataDirectories }
        let pidFiles = directories.map { "\($0)/postmaster.pid" }
        for directory in directories {
            if let pid = ClusterDirectory.postmasterProcessID(dataDirectory: directory) {
                kill(pid, SIGINT)
            }
        }
        for pidFile in pidFiles {
            var waitedMilliseconds = 0
            while FileManager.default.fileExists(atPath: pidFile), waitedMilliseconds < 5_000 {
                usleep(20_000)
                waitedMilliseconds += 20
            }
        }
    }
}
