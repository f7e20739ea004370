/// A submission with its idempotency key.
public struct SubmitRequest: Sendable, Hashable {
    /// The caller's key; the same key with the same request returns the same attempt.
    public var idempotencyKey: String
    /// What to submit.
    public var submission: AttemptMachine.Submission
    /// A keyed hash of the code (``CodeDigest``), so that the same key with another code is
    /// recognised as another request; `nil` leaves the code out of the comparison.
    public var codeDigest: CodeDigest?
    /// The trace context of the submission (``AttemptTraces``), stored with the attempt; empty
    /// when nothing traces.
    public var traceHeaders: [String: String]

    /// Creates a request.
    public init(
        idempotencyKey: String, submission: AttemptMachine.Submission, codeDigest: CodeDigest? = nil, traceHeaders: [String: String] = [:]
    ) {
        self.idempotencyKey = idempotencyKey
        self.submission = submission
        self.codeDigest = codeDigest
        self.traceHeaders = traceHeaders
    }

    /// The request as the store compares replays: the code only as its keyed hash, since the code
    /// is a secret that must not outlive its use.
    public var fingerprint: String {
        let customer = submission.customer
        let fields = [
            submission.paymentID.rawValue, String(submission.amount.minorUnits), submission.amount.currency.code,
            customer.email, customer.firstName, customer.lastName,
        ]
        return (fields + (codeDigest.map { [$0.hex] } ?? [])).map { "\($0.utf8.count):\($0)" }.joined(separator: "|")
    }
}
