/// An error answer of the gateway: `{"error": {"type", "message", "param", "decline_code",
/// "charge_id"}}` with its HTTP status.
struct SandboxAPIError: Error, Sendable, Encodable {
    let status: Int
    let type: String
    let message: String
    let param: String?
    let declineCode: String?

    static func invalidRequest(_ message: String, param: String? = nil, status: Int = 400) -> SandboxAPIError {
        SandboxAPIError(status: status, type: "invalid_request_error", message: message, param: param, declineCode: nil)
    }

    static func notFound(_ what: String, param: String = "id") -> SandboxAPIError {
        .invalidRequest("No such \(what).", param: param, status: 404)
    }

    static func authentication(_ message: String) -> SandboxAPIError {
        SandboxAPIError(status: 401, type: "authentication_error", message: message, param: nil, declineCode: nil)
    }

    static func codeRefused(_ declineCode: String, message: String) -> SandboxAPIError {
        SandboxAPIError(status: 402, type: "voucher_error", message: message, param: "blik_code", declineCode: declineCode)
    }

    static let serverError = SandboxAPIError(
        status: 500,
        type: "api_error",
        message: "The gateway had a problem handling the request (simulated).",
        param: nil,
        declineCode: nil
    )

    enum OuterKeys: String, CodingKey { case error }
    enum CodingKeys: String, CodingKey {
        case type, message, param
        case declineCode = "decline_code"
        case chargeID = "charge_id"
    }

    func encode(to encoder: any Encoder) throws {
        var outer = encoder.container(keyedBy: OuterKeys.self)
        var container = outer.nestedContainer(keyedBy: CodingKeys.self, forKey: .error)
        try container.encode(self.type, forKey: .type)
        try container.encode(self.message, forKey: .message)
        try container.encode(self.param, forKey: .param)
        try container.encode(self.declineCode, forKey: .declineCode)
        try container.encodeNil(forKey: .chargeID)
    }
}
