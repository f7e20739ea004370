import Logging
import ServiceLifecycle

/// Runs `services` in a `ServiceGroup` while `body` runs, then shuts them down gracefully and waits
/// for them, whether `body` returned or threw.
///
/// A server is stopped by a graceful shutdown, never by cancelling its task: cancelled while a
/// connection it accepted is not yet picked up, a Hummingbird server traps in NIO and takes the
/// test process with it.
public func withServices<T>(
    _ services: [any Service],
    logger: Logger,
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> T
) async throws -> T {
    let group = ServiceGroup(configuration: .init(services: services.map { .init(service: $0) }, logger: logger))
    return try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        return try await withCleanup {
            try await body()
        } cleanup: {
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
