import AsyncHTTPClient

extension TenderProcess {
    /// Waits until `GET base/readyz` answers 200. The ceiling only catches a hang: a busy machine
    /// may take a while to start a worker.
    /// - Throws: ``Timeout`` with the process's output when the process exits first or the
    ///   ceiling passes.
    public func waitUntilReady(at base: String, timeout: Duration = .seconds(120)) async throws {
        let ready = try await waitUntil(timeout: timeout, every: .milliseconds(100)) {
            guard isRunning else { throw Timeout(log: log) }
            let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: "\(base)/readyz"), timeout: .seconds(5))
            return response?.status.code == 200
        }
        guard ready else { throw Timeout(log: log) }
    }
}
