import Foundation

/// A pending task's due time, as a worker's timer heap holds it.
public struct ScheduledTask: Sendable, Hashable {
    /// The attempt the task belongs to.
    public var attemptID: AttemptID
    /// The task's kind.
    public var kind: TaskKind
    /// When it falls due.
    public var dueAt: Date

    /// Creates a scheduled task.
    public init(attemptID: AttemptID, kind: TaskKind, dueAt: Date) {
        self.attemptID = attemptID
        self.kind = kind
        self.dueAt = dueAt
    }
}
