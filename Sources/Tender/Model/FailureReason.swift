/// Why an attempt failed.
public enum FailureReason: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The bank or gateway refused the code; the payer must enter a new one.
    case declined(DeclineReason)
    /// The gateway refused Tender's request as invalid.
    case rejectedByGateway
    /// The gateway refused Tender's credentials.
    case gatewayConfiguration
    /// An operator resolved the attempt by hand.
    case resolvedByOperator
    /// The gateway opened the session for another amount or currency; no code was sent.
    case amountMismatch

    /// A stable snake_case name, e.g. `declined:insufficient_funds`.
    public var description: String {
        switch self {
        case .declined(let reason): "declined:\(reason.rawValue)"
        case .rejectedByGateway: "rejected_by_gateway"
        case .gatewayConfiguration: "gateway_configuration"
        case .resolvedByOperator: "resolved_by_operator"
        case .amountMismatch: "amount_mismatch"
        }
    }

    /// Parses ``description``.
    public init?(_ text: String) {
        switch text {
        case "rejected_by_gateway": self = .rejectedByGateway
        case "gateway_configuration": self = .gatewayConfiguration
        case "resolved_by_operator": self = .resolvedByOperator
        case "amount_mismatch": self = .amountMismatch
        default:
            guard text.hasPrefix("declined:"), let reason = DeclineReason(rawValue: String(text.dropFirst("declined:".count))) else {
                return nil
            }
            self = .declined(reason)
        }
    }

    /// Whether the order system should ask the payer for a new code.
    public var asksForNewCode: Bool {
        if case .declined = self { return true }
        return false
    }

    /// Encodes ``description``.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Decodes ``description``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let reason = FailureReason(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown failure reason")
        }
        self = reason
    }
}
