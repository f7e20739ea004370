import Foundation

/// Reads of attempts and payments, for the order system and operators.
public protocol PaymentReads: Sendable {
    /// The attempt with this id.
    func attempt(_ id: AttemptID) async throws -> Attempt?

    /// The payment with all its attempts and their histories.
    func payment(_ id: PaymentID) async throws -> PaymentRecord?

    /// A page of payments, newest first, with the filters of `query`; served by an index on the
    /// payments' creation time, and stable while payments are added.
    func payments(matching query: PaymentQuery) async throws -> PaymentPage

    /// The attempts submitted since `date` that have a gateway session, oldest first, with their
    /// refunds: what reconciliation compares with the gateway.
    func reconcilableAttempts(submittedSince date: Date) async throws -> [ReconcilableAttempt]

    /// Attempts in a state that were submitted before a time, oldest first (for operators).
    func attempts(in state: AttemptState, submittedBefore: Date, limit: Int) async throws -> [Attempt]
}
