import Foundation
import Tender

/// A webhook event as the gateway sends it:
/// `{"id", "type", "created_at", "data": {"status", "session_id"}}`. Unknown fields are ignored.
struct WebhookEvent: Decodable {
    struct Data: Decodable {
        let sessionID: String

        private enum CodingKeys: String, CodingKey {
            case sessionID = "session_id"
        }
    }

    let id: String
    let type: String
    let createdAt: Double?
    let data: Data

    private enum CodingKeys: String, CodingKey {
        case id, type, data
        case createdAt = "created_at"
    }

    /// Decodes a verified body into a hint.
    ///
    /// An event without an id, a type or a session id is ``WebhookRejection/malformedBody``; one
    /// without `created_at` is dated by its signature's timestamp.
    static func decode(_ body: [UInt8], signedAt timestamp: Int64) throws(WebhookRejection) -> WebhookHint {
        guard let event = try? JSONDecoder().decode(WebhookEvent.self, from: Foundation.Data(body)),
            !event.id.isEmpty, !event.type.isEmpty, !event.data.sessionID.isEmpty
        else {
            throw .malformedBody
        }
        return WebhookHint(
            eventID: event.id,
            type: event.type,
            sessionID: event.data.sessionID,
            createdAt: Date(timeIntervalSince1970: event.createdAt ?? TimeInterval(timestamp))
        )
    }
}
