import Foundation

/// A verified webhook, reduced to what it is worth: a hint that a session may have changed.
///
/// Tender never takes an outcome from a hint; it fetches the session named by ``sessionID``.
public struct WebhookHint: Sendable, Hashable, Codable {
    /// The gateway's event id, unique per event (the inbox key).
    public var eventID: String
    /// The event type as sent, e.g. `session.completed`; unknown types are kept and ignored.
    public var type: String
    /// The session the event is about.
    public var sessionID: String
    /// When the gateway says it created the event.
    public var createdAt: Date

    /// Creates a hint.
    public init(eventID: String, type: String, sessionID: String, createdAt: Date) {
        self.eventID = eventID
        self.type = type
        self.sessionID = sessionID
        self.createdAt = createdAt
    }
}
