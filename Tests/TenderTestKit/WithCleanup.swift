/// Runs `body`, then `cleanup` whether `body` returned or threw, and answers what `body` did.
///
/// Every scope function of the test kit ends its parts this way: a failing expectation inside a
/// harness shuts the harness down and fails its own test, instead of leaving a client, a pool or
/// a child process behind to abort the test process when it is released. An error `cleanup` throws
/// after `body` threw is dropped in favour of `body`'s own.
public func withCleanup<T>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> T,
    cleanup: () async throws -> Void
) async throws -> T {
    let result: T
    do {
        result = try await body()
    } catch {
        try? await cleanup()
        throw error
    }
    try await cleanup()
    return result
}
