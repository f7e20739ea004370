import Hummingbird
import TenderConvergeGate

extension WebhookRejection {
    /// The answer to the gateway: 401 for a bad signature or timestamp (the sender is not the
    /// gateway, or the delivery is a replay), 413 for an oversized body, 400 for a malformed one.
    public var responseStatus: HTTPResponse.Status {
        switch self {
        case .missingHeader, .malformedTimestamp, .staleTimestamp, .badSignature: .unauthorized
        case .bodyTooLarge: .contentTooLarge
        case .malformedBody: .badRequest
        }
    }
}
