import Foundation

/// Refunds of completed attempts: requested by the order system (or by the machine, for a
/// duplicate charge), driven through the gateway by the attempt's `refund` task.
public protocol Refunds: Sendable {
    /// Records a refund of the payment's completed attempt and makes its task due, or returns the
    /// refund stored earlier under the same idempotency key. What is left to refund is checked in
    /// the same transaction, under the payment's lock, so concurrent requests cannot refund more
    /// than was captured.
    /// - Throws: ``StoreError`` with ``StoreError/Code/notFound``,
    ///   ``StoreError/Code/paymentNotCompleted``, ``StoreError/Code/amountExceedsRefundable`` or
    ///   ``StoreError/Code/idempotencyConflict``.
    func requestRefund(_ request: RefundRequest, machine: RefundMachine, now: Date) async throws -> RequestedRefund

    /// The attempt's refunds that are not final, oldest first.
    func unfinishedRefunds(of attemptID: AttemptID) async throws -> [Refund]

    /// Applies gateway answers to an attempt's refunds and completes its claimed refund task, in
    /// one transaction: each refund is locked and moved by `machine`, with a history row and, when
    /// it became final, an outbox event; the task is due again when the next unfinished refund
    /// needs the gateway. Refused with ``StoreError/Code/fencedOut`` unless the claim still holds
    /// its lease.
    func applyRefundAnswers(
        _ answers: [RefundAnswer], of attemptID: AttemptID, machine: RefundMachine, completing claim: TaskClaim, now: Date
    ) async throws -> [RefundTransition]
}
