/// Why ``ConvergeGateWebhookVerifier`` refused a webhook. Nothing of a refused webhook is stored.
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
