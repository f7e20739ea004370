import Foundation
@testable import EphemeralPostgres

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `psql -Atc SQL` against `url` with the server's own `psql` and returns its trimmed output.
func psql(_ binaryDirectory: String, url: String, _ sql: String) async throws -> String {
    let result = try await Command(
        executable: "\(binaryDirectory)/psql",
        arguments: ["-X", "-d", url, "-Atc", sql]
    ).runChecked()
    return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Whether something accepts TCP connections on `127.0.0.1:port` right now.
func acceptsConnections(port: Int) -> Bool {
    #if os(Linux)
    let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    #else
    let descriptor = socket(AF_INET, SOCK_STREAM, 0)
    #endif
    guard descriptor >= 0 else {
        return false
    }
    defer { close(descriptor) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    return connected == 0
}

/// Polls `condition` every 100 ms until it holds or `seconds` have passed; returns whether it held.
func eventually(within seconds: Double, _ condition: () -> Bool) async throws -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() {
            return true
        }
        try await Task.sleep(for: .milliseconds(100))
    }
    return condition()
}
