/// What Tender stops keeping: the details of payments finished long ago, webhooks no attempt
/// ever took, and, on request, a payer's personal data. Ages are judged by the store's clock.
public protocol Retention: Sendable {
    /// Prunes up to `limit` attempts resolved more than `age` ago whose work is done (no task
    /// left), in one transaction: their history and the bodies of their webhooks go; the attempt
    /// rows (ids, amounts, outcomes) stay for the books. Returns how many attempts it pruned.
    func pruneFinishedAttempts(olderThan age: Duration, limit: Int) async throws -> Int

    /// Deletes up to `limit` events of pruned attempts that every consumer has acknowledged
    /// (none while no consumer has a cursor). Returns how many.
    func pruneAcknowledgedEvents(limit: Int) async throws -> Int

    /// Deletes up to `limit` parked webhooks (for sessions no attempt holds) received more than
    /// `age` ago. Returns how many.
    func expireParkedWebhooks(olderThan age: Duration, limit: Int) async throws -> Int

    /// Erases the payer's personal data from every attempt of a payment — the customer, the copy
    /// of it kept to recognise a replayed submission, the bodies of the attempts' webhooks — and
    /// keeps ids, amounts and outcomes. A submission replayed afterwards under its old key is
    /// refused as a conflict. Returns how many attempts it erased.
    /// - Throws: ``StoreError`` with ``StoreError/Code/notFound`` for an unknown payment, and
    ///   ``StoreError/Code/attemptInFlight`` while an attempt still needs the customer.
    func forgetCustomer(of paymentID: PaymentID) async throws -> Int
}
