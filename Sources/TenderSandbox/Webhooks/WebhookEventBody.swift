import Foundation

/// The JSON of a webhook event:
/// `{"id", "type", "created_at", "data": {"status", "session_id"}}`.
struct WebhookEventBody: Encodable {
    struct EventData: Encodable {
        let status: SandboxSessionStatus
        let sessionID: String

        enum CodingKeys: String, CodingKey {
            case status
            case sessionID = "session_id"
        }
    }

    let id: String
    let type: SandboxEventType
    let createdAt: Int
    let data: EventData

    enum CodingKeys: String, CodingKey {
        case id, type, data
        case createdAt = "created_at"
    }
}
