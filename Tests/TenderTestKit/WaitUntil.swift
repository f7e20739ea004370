/// Checks `condition` every `interval` until it holds or `timeout` has passed; returns whether it
/// held. An error `condition` throws ends the wait.
public func waitUntil(
    timeout: Duration, every interval: Duration, _ condition: () async throws -> Bool
) async throws -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: interval)
    }
    return false
}
