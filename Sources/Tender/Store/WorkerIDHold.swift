/// A worker id taken for one run of a worker (``TaskQueue/holdWorkerID(_:waitingUpTo:)``).
///
/// The hold also ends when the worker's process dies, so a restarted worker takes its id again
/// at once.
public protocol WorkerIDHold: Sendable {
    /// Gives the id back for the next run.
    func release() async
}
