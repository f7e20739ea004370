import Foundation

/// Tender's durable state: attempts, their history, refunds, follow-up tasks, the webhook inbox, the
/// outbox of events for the order system, and their retention. Each caller asks for the part it
/// needs: the engine for all of it, an operator command for ``PaymentReads``, an event consumer
/// for ``Outbox``.
public protocol PaymentStore: AttemptTransitions, Refunds, WebhookInbox, TaskQueue, Outbox, PaymentReads, Retention, AttemptTraces {
    /// Notices of changes made by any process sharing the store, for as long as the caller iterates.
    func signals() -> AsyncStream<StoreSignal>

    /// Announces to the other processes sharing the store, until the calling task is cancelled,
    /// the outbox events of this process's writes that come too close together to each announce
    /// their own in their transactions: one notice after their commits for all of them. While
    /// nothing runs it, each write that appends events announces them itself.
    func announceEvents() async

    /// The executor the engine's own tasks prefer: the store's I/O thread, on which a task waiting
    /// for the store resumes without a hop to another thread; nil for none.
    var executor: (any TaskExecutor)? { get }
}
