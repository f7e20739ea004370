import NIOConcurrencyHelpers
import Testing

/// The error a cleanup test throws from inside a harness, on purpose.
public struct PlannedFailure: Error {
    /// The error.
    public init() {}
}

/// Runs a harness whose body checks it while it runs and then throws ``PlannedFailure``; expects
/// that error to come out of the harness unchanged, and answers the harness the body was given,
/// for checks from outside once the scope has returned.
///
/// - Parameters:
///   - run: starts the harness with the body it is given.
///   - check: what must hold while the harness runs.
public func harnessAfterFailure<Harness: Sendable>(
    _ run: (@escaping @Sendable (Harness) async throws -> Void) async throws -> Void,
    whileRunning check: @escaping @Sendable (Harness) async throws -> Void = { _ in }
) async throws -> Harness {
    let stash = NIOLockedValueBox<Harness?>(nil)
    await #expect(throws: PlannedFailure.self) {
        try await run { harness in
            stash.withLockedValue { $0 = harness }
            try await check(harness)
            throw PlannedFailure()
        }
    }
    return try #require(stash.withLockedValue { $0 })
}
