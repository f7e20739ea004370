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

/// Why a webhook was refused. Each case maps to an HTTP answer: a bad signature or timestamp to 401,
/// an oversized body to 413, a malformed one to 400.
public enum WebhookRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// A required header is absent.
    case missingHeader(String)
    /// The timestamp header is not a Unix time in seconds.
    case malformedTimestamp
    /// The timestamp is further from now than the tolerance allows (a replay or a skewed clock).
    case staleTimestamp
    /// The signature does not match the body and timestamp.
    case badSignature
    /// The body is larger than the configured limit.
    case bodyTooLarge(limit: Int)
    /// The body is signed correctly but is not an event Tender can read.
    case malformedBody

    /// The HTTP status to answer with.
    public var httpStatus: Int {
        switch self {
        case .missingHeader, .malformedTimestamp, .staleTimestamp, .badSignature: 401
        case .bodyTooLarge: 413
        case .malformedBody: 400
        }
    }

    /// What was wrong, without any header value or body content.
    public var description: String {
        switch self {
        case .missingHeader(let name): "missing header \(name)"
        case .malformedTimestamp: "malformed timestamp"
        case .staleTimestamp: "timestamp outside the tolerance window"
        case .badSignature: "signature mismatch"
        case .bodyTooLarge(let limit): "body larger than \(limit) bytes"
        case .malformedBody: "malformed event body"
        }
    }
}
