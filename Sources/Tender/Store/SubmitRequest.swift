/// A submission with its idempotency key.
public struct SubmitRequest: Sendable, Hashable {
    /// The caller's key; the same key with the same request returns the same attempt.
    public var idempotencyKey: String
    /// What to submit.
    public var submission: AttemptMachine.Submission

    /// Creates a request.
    public init(idempotencyKey: String, submission: AttemptMachine.Submission) {
        self.idempotencyKey = idempotencyKey
        self.submission = submission
    }

    /// The request without the code, as the store compares replays. The code is left out because
    /// it is a secret that must not outlive its use.
    public var fingerprint: String {
        let customer = submission.customer
        return [
            submission.paymentID.rawValue, String(submission.amount.minorUnits), submission.amount.currency.code,
            customer.email, customer.firstName, customer.lastName,
        ].map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
    }
}
