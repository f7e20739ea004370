import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The temporary directory of one cluster: the data directory, the Unix socket directory and the
/// server log, all inside one directory that is removed as a whole.
struct ClusterDirectory: Sendable {
    /// The directory holding everything.
    let base: String

    /// The data directory (`initdb -D`).
    var data: String { "\(self.base)/data" }
    /// The directory of the server's Unix socket (`-k`), private to this cluster.
    var socket: String { "\(self.base)/socket" }
    /// The server log (`pg_ctl -l`).
    var log: String { "\(self.base)/server.log" }

    /// Creates a fresh directory under `parent`; when `owner` is given (this process is root),
    /// hands it to that user, since the server refuses to run as root.
    static func create(in parent: String, owner: String?) throws -> ClusterDirectory {
        var template = Array("\(parent)/ephemeral-postgres.XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw EphemeralPostgresError(
                code: .fileSystem,
                message: "cannot create a temporary directory in \(parent): \(String(cString: strerror(errno)))"
            )
        }
        let directory = ClusterDirectory(base: String(cString: created))
        do {
            for path in [directory.data, directory.socket] {
                try FileManager.default.createDirectory(
                    atPath: path,
                    withIntermediateDirectories: false,
                    attributes: [.posixPermissions: 0o700]
                )
            }
            if let owner {
                try directory.hand(to: owner)
            }
        } catch {
            directory.remove()
            throw error
        }
        return directory
    }

    /// Removes the directory and everything in it; a directory that is already gone is fine.
    func remove() {
        try? FileManager.default.removeItem(atPath: self.base)
    }

    /// The first line of `DATA/postmaster.pid`: the server's process id while it runs.
    static func postmasterProcessID(dataDirectory: String) -> pid_t? {
        guard let contents = try? String(contentsOfFile: "\(dataDirectory)/postmaster.pid", encoding: .utf8),
            let line = contents.split(separator: "\n").first
        else {
            return nil
        }
        return pid_t(line.trimmingCharacters(in: .whitespaces))
    }

    private func hand(to owner: String) throws {
        guard let account = getpwnam(owner) else {
            throw EphemeralPostgresError(
                code: .fileSystem,
                message: "the user \(owner) does not exist; PostgreSQL must not run as root, so it runs as \(owner)"
            )
        }
        for path in [self.base, self.data, self.socket] where chown(path, account.pointee.pw_uid, account.pointee.pw_gid) != 0 {
            throw EphemeralPostgresError(
                code: .fileSystem,
                message: "cannot hand \(path) to \(owner): \(String(cString: strerror(errno)))"
            )
        }
    }
}
