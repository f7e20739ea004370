import Foundation

@testable import EphemeralPostgres

/// Runs `psql -Atc SQL` against `url` with the server's own `psql` and returns its trimmed output.
func psql(_ binaryDirectory: String, url: String, _ sql: String) async throws -> String {
    let result = try await Command(
        executable: "\(binaryDirectory)/psql",
        arguments: ["-X", "-d", url, "-Atc", sql]
    ).runChecked()
    return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
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
