import Foundation

/// The directory holding PostgreSQL's binaries, and how to run them as the server's user.
struct PostgresBinaries: Sendable {
    /// The directory holding `initdb`, `pg_ctl`, `createdb`, `psql`, ….
    let directory: String
    /// `runuser` and the user to run server binaries as, when this process is root.
    let serverUser: (runuser: String, name: String)?

    /// Finds the first directory that holds all of `required`.
    ///
    /// - Parameters:
    ///   - required: the binaries that must be present.
    ///   - searchPaths: the directories to look in, or `nil` for the default (see
    ///     ``EphemeralPostgres/Configuration/binarySearchPaths``).
    ///   - serverUser: the user to run server binaries as when this process is root.
    static func locate(
        required: [String],
        searchPaths: [String]?,
        serverUser: String
    ) throws -> PostgresBinaries {
        let candidates = searchPaths ?? Self.defaultSearchPaths()
        guard
            let directory = candidates.first(where: { directory in
                required.allSatisfy { Self.isExecutable("\(directory)/\($0)") }
            })
        else {
            throw EphemeralPostgresError(
                code: .binariesNotFound,
                message: "no directory holds all of \(required.joined(separator: ", ")) "
                    + "(searched \(candidates.joined(separator: ":"))); install the PostgreSQL "
                    + "server, on Debian: apt-get install postgresql"
            )
        }
        guard geteuid() == 0 else {
            return PostgresBinaries(directory: directory, serverUser: nil)
        }
        let runuser = try firstExecutable(
            of: ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser"],
            missing: "running as root needs runuser to start PostgreSQL as \(serverUser)",
            install: "on Debian: apt-get install util-linux"
        )
        return PostgresBinaries(directory: directory, serverUser: (runuser, serverUser))
    }

    /// The first of `candidates` that is an executable file.
    /// - Throws: ``EphemeralPostgresError/Code/binariesNotFound``, saying what is missing, where it
    ///   was looked for, and how to install it.
    static func firstExecutable(of candidates: [String], missing: String, install: String) throws -> String {
        guard let found = candidates.first(where: isExecutable) else {
            throw EphemeralPostgresError(
                code: .binariesNotFound,
                message: "\(missing) (searched \(candidates.joined(separator: ":"))); \(install)"
            )
        }
        return found
    }

    /// A command running a server binary (`initdb`, `pg_ctl`) as the server's user.
    func serverCommand(_ tool: String, _ arguments: [String]) -> Command {
        let path = "\(self.directory)/\(tool)"
        guard let serverUser = self.serverUser else {
            return Command(executable: path, arguments: arguments)
        }
        return Command(
            executable: serverUser.runuser,
            arguments: ["-u", serverUser.name, "--", path] + arguments
        )
    }

    /// A command running a client binary (`createdb`, `psql`) as the current user.
    func clientCommand(_ tool: String, _ arguments: [String]) -> Command {
        Command(executable: "\(self.directory)/\(tool)", arguments: arguments)
    }

    /// `/usr/lib/postgresql/*/bin`, newest major version first, then the directories of `PATH`.
    private static func defaultSearchPaths() -> [String] {
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        let versioned =
            versions
            .sorted { lhs, rhs in
                let left = Double(lhs) ?? -1
                let right = Double(rhs) ?? -1
                return left != right ? left > right : lhs > rhs
            }
            .map { "\(root)/\($0)/bin" }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        return versioned + path.split(separator: ":").map(String.init)
    }

    private static func isExecutable(_ path: String) -> Bool {
        FileManager.default.isExecutableFile(atPath: path)
    }
}
