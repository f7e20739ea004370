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
    /// An event whose id, type or session id is not an identifier (1 to 255 UTF-8 bytes without
    /// control characters) is ``WebhookRejection/malformedBody``: a signed event that no inbox could
    /// key is refused for good, not retried. One without `created_at` is dated by its signature's
    /// timestamp.
    static func decode(_ body: [UInt8], signedAt timestamp: Int64) throws(WebhookRejection) -> WebhookHint {
        guard let event = try? JSONDecoder().decode(WebhookEvent.self, from: Foundation.Data(body)),
            [event.id, event.type, event.data.sessionID].allSatisfy(isIdentifier)
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

    /// 1 to 255 UTF-8 bytes without control characters.
    private static func isIdentifier(_ text: String) -> Bool {
        (1...255).contains(text.utf8.count) && !text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}
