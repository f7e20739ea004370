import Foundation

/// A task claimed by a worker, under a lease.
public struct TaskClaim: Sendable, Hashable {
    /// The attempt the task belongs to.
    public var attemptID: AttemptID
    /// What the task does.
    public var purpose: TaskPurpose
    /// When the task fell due.
    public var dueAt: Date
    /// The worker holding the lease.
    public var owner: String
    /// The fencing token a completion presents.
    public var fence: Int64
    /// The task's generation when claimed; a reschedule meanwhile keeps the task alive.
    public var generation: Int64
    /// How often the task has been claimed.
    public var tries: Int
    /// When the lease lapses unless extended.
    public var leaseExpiresAt: Date

    /// Creates a claim.
    public init(
        attemptID: AttemptID, purpose: TaskPurpose, dueAt: Date, owner: String, fence: Int64, generation: Int64, tries: Int, leaseExpiresAt: Date
    ) {
        self.attemptID = attemptID
        self.purpose = purpose
        self.dueAt = dueAt
        self.owner = owner
        self.fence = fence
        self.generation = generation
        self.tries = tries
        self.leaseExpiresAt = leaseExpiresAt
    }

    /// The task's kind; the attempt has no other pending task of it.
    public var kind: TaskKind { purpose.kind }
}
