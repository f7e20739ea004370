/// A worker id taken for one run of a worker (``TaskQueue/holdWorkerID(_:waitingUpTo:)``).
///
/// The hold also ends when the worker's process dies, so a restarted worker takes its id again
/// at once.
public protocol WorkerIDHold: Sendable {
    /// Whether the id is still held: false once the hold was lost with the database session
    /// that kept it (the server restarted, or failed over to a standby).
    func isHeld() async -> Bool

    /// Gives the id back for the next run.
    func release() async
}
