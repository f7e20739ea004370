import Foundation

/// Keeps verified webhooks, once each, and applies them as hints to the attempts holding their
/// sessions.
public protocol WebhookInbox: Sendable {
    /// Stores a verified webhook and, when its session is known, applies it as a hint; a duplicate
    /// event changes nothing, an event for an unknown session is parked. With a `lease`, the fetch
    /// the hint asks for is leased to its owner in the same transaction.
    func receiveWebhook(
        _ hint: WebhookHint, body: [UInt8], machine: AttemptMachine, leasing lease: FollowUpLease?, now: Date
    ) async throws -> ReceivedWebhook
}
