import Foundation

/// The status of a refund: `pending`, then `succeeded` or `failed`.
public enum SandboxRefundStatus: String, Sendable, Hashable, Codable {
    /// Accepted, not settled yet.
    case pending
    /// Paid back.
    case succeeded
    /// Not paid back; the amount is available again.
    case failed
}

/// One refund as the sandbox keeps it.
struct Refund: Sendable {
    let id: String
    let sessionID: String
    let amount: Int
    var status: SandboxRefundStatus
    let reason: String?
    let metadata: [String: String]?
    let createdAt: Date
}

/// The JSON of a refund: the fields of `convergegate-api.md` plus `session_id`.
struct RefundBody: Encodable {
    let refund: Refund
    let livemode: Bool

    enum CodingKeys: String, CodingKey {
        case id, amount, status, reason, metadata, livemode
        case createdAt = "created_at"
        case sessionID = "session_id"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.refund.id, forKey: .id)
        try container.encode(self.refund.amount, forKey: .amount)
        try container.encode(self.refund.status, forKey: .status)
        try container.encode(self.refund.reason, forKey: .reason)
        try container.encode(Int(self.refund.createdAt.timeIntervalSince1970), forKey: .createdAt)
        try container.encode(self.refund.sessionID, forKey: .sessionID)
        try container.encode(self.refund.metadata, forKey: .metadata)
        try container.encode(self.livemode, forKey: .livemode)
    }
}
