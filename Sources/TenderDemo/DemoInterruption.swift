import ServiceLifecycle
import UnixSignals

/// Ctrl-C (SIGINT) or SIGTERM at any moment of the demo: before the services run it stops the
/// setup at its next step; while they run it shuts the service group down gracefully, so the
/// summary is printed and everything is cleaned up.
actor DemoInterruption {
    private(set) var requested = false
    private var group: ServiceGroup?

    /// Traps SIGINT and SIGTERM until the calling task is cancelled.
    func watchSignals() async {
        for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) {
            await request()
        }
    }

    /// Asks the demo to stop.
    func request() async {
        requested = true
        await group?.triggerGracefulShutdown()
    }

    /// Registers the running group; returns `false` when a stop was requested before (the group
    /// should then not be run).
    func attach(_ group: ServiceGroup) -> Bool {
        self.group = group
        return !requested
    }

    /// Throws ``DemoInterrupted`` if a stop was requested.
    func check() throws {
        if requested { throw DemoInterrupted() }
    }
}

/// The demo was stopped before its services ran.
struct DemoInterrupted: Error, CustomStringConvertible {
    var description: String { "interrupted" }
}
