/// A stored webhook: what happened to it and, when it was applied, the transition.
public struct ReceivedWebhook: Sendable, Hashable {
    /// What happened to the event.
    public var receipt: WebhookReceipt
    /// The transition the hint made, with the fetch it leased; nil unless ``receipt`` is `applied`.
    public var applied: AppliedTransition?

    /// Creates a record of a stored webhook.
    public init(receipt: WebhookReceipt, applied: AppliedTransition? = nil) {
        self.receipt = receipt
        self.applied = applied
    }
}
