import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Fresh temporary directories for servers that must not run as root.
enum TemporaryDirectory {
    /// Creates `TMPDIR/PREFIX.XXXXXX` and, when `owner` is given (this process is root), hands it
    /// to that user.
    static func create(prefix: String, owner: String?) throws -> String {
        var template = Array("\(FileManager.default.temporaryDirectory.path)/\(prefix).XXXXXX".utf8CString)
        guard let created = mkdtemp(&template) else {
            throw EphemeralPostgresError(code: .fileSystem, message: "cannot create a temporary directory: \(String(cString: strerror(errno)))")
        }
        let directory = String(cString: created)
        if let owner {
            do {
                try hand([directory], to: owner)
            } catch {
                try? FileManager.default.removeItem(atPath: directory)
                throw error
            }
        }
        return directory
    }

    /// Hands files or directories to `owner`.
    static func hand(_ paths: [String], to owner: String) throws {
        guard let account = getpwnam(owner) else {
            throw EphemeralPostgresError(code: .fileSystem, message: "the user \(owner) does not exist; servers must not run as root")
        }
        for path in paths where chown(path, account.pointee.pw_uid, account.pointee.pw_gid) != 0 {
            throw EphemeralPostgresError(code: .fileSystem, message: "cannot hand \(path) to \(owner): \(String(cString: strerror(errno)))")
        }
    }
}
