import AsyncHTTPClient
import Foundation
import LibPQ
import TenderConvergeGate
import TenderSandbox
import Testing

// What the harness cleanup tests check once a scope has returned: each part they saw running is
// shut down.

/// Whether an HTTP server answers `GET url`, with any status. Unlike a bare connection, an answered
/// request has left the server's accept queue, so stopping the server afterwards is not a race.
public func answers(_ url: String) async -> Bool {
    guard let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30)) else {
        return false
    }
    _ = try? await response.body.collect(upTo: 1 << 20)
    return true
}

/// Expects `pool` to answer a query and `sandbox` to answer a request: what must have changed once
/// the scope has returned.
public func expectRunning(_ pool: PostgresPool, _ sandbox: ConvergeGateSandbox, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    try await pool.query("SELECT 1")
    #expect(await answers(await sandbox.baseURL + "/v1/checkout/sessions/probe"), sourceLocation: sourceLocation)
}

/// Expects `pool` to refuse a query because it is closed.
public func expectClosed(_ pool: PostgresPool, sourceLocation: SourceLocation = #_sourceLocation) async {
    let error = await #expect(throws: PostgresError.self, sourceLocation: sourceLocation) { try await pool.query("SELECT 1") }
    #expect(error?.code == .poolClosed, sourceLocation: sourceLocation)
}

/// Expects `client` to have been shut down: shutting it down again is refused (and a client that
/// was not is shut down here).
public func expectShutDown(_ client: ConvergeGateClient, sourceLocation: SourceLocation = #_sourceLocation) async {
    let error = await #expect(throws: HTTPClientError.self, sourceLocation: sourceLocation) { try await client.shutdown() }
    #expect(error == .alreadyShutdown, sourceLocation: sourceLocation)
}

/// Expects `sandbox` to have stopped: it says so, which it does only once its server has returned
/// and closed its socket.
///
/// Its port is not probed: the sandbox listens on a port the kernel chose, and once it is free the
/// kernel may give it to a server another test starts meanwhile.
public func expectStopped(_ sandbox: ConvergeGateSandbox, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    await #expect(throws: SandboxError.self, sourceLocation: sourceLocation) { try await sandbox.waitUntilListening() }
}

/// Expects nothing to listen on the port of `url` any more.
public func expectNotListening(_ url: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let port = try #require(URL(string: url)?.port, sourceLocation: sourceLocation)
    #expect(!acceptsConnections(port: port), "something still listens on \(port)", sourceLocation: sourceLocation)
}
