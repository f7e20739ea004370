/// A gateway call that did not return a session, classified by what Tender should do next.
///
/// The description names the class, the HTTP status and the gateway's error type and decline code;
/// it never contains a secret key or a BLIK code.
public struct GatewayError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What Tender should do about the failure.
    public enum Kind: Sendable, Hashable {
        /// The payer must act: the code was invalid, expired or used, or the bank declined.
        /// The attempt fails and the order system asks for a new code.
        case payerMustAct(DeclineReason)
        /// Tender's request was wrong (400, 404, 409): fetch the session, then decide; never retry blindly.
        case requestRejected
        /// The gateway refused Tender's credentials (401, 403): retrying cannot help; alert an operator.
        case configuration
        /// Try again later (429, 5xx, timeouts, connection failures).
        case retryLater
    }

    /// What Tender should do about the failure.
    public var kind: Kind
    /// Whether the gateway may have applied the call although no answer arrived (a timeout after the
    /// request was sent). The engine fetches the session before retrying such a call.
    public var outcomeUnknown: Bool
    /// The HTTP status, when an answer arrived.
    public var httpStatus: Int?
    /// The gateway's error type, such as `voucher_error`, when it sent one.
    public var type: String?
    /// The gateway's message, when it sent one. Gateways do not echo codes or keys in it.
    public var message: String?

    /// Creates an error.
    public init(kind: Kind, outcomeUnknown: Bool = false, httpStatus: Int? = nil, type: String? = nil, message: String? = nil) {
        self.kind = kind
        self.outcomeUnknown = outcomeUnknown
        self.httpStatus = httpStatus
        self.type = type
        self.message = message
    }

    /// Whether the same call may succeed later.
    public var isRetryable: Bool { kind == .retryLater }

    /// The class, status, type and decline code.
    public var description: String {
        var parts: [String] = []
        switch kind {
        case .payerMustAct(let reason): parts.append("payer must act (\(reason.rawValue))")
        case .requestRejected: parts.append("request rejected")
        case .configuration: parts.append("gateway configuration")
        case .retryLater: parts.append(outcomeUnknown ? "retry later, outcome unknown" : "retry later")
        }
        if let httpStatus { parts.append("HTTP \(httpStatus)") }
        if let type { parts.append(type) }
        if let message { parts.append(message) }
        return "GatewayError(" + parts.joined(separator: ", ") + ")"
    }
}

/// Why the payer's bank or the gateway refused a code.
public enum DeclineReason: String, Sendable, Hashable, Codable, CaseIterable {
    /// The code does not exist.
    case invalidCode = "invalid_blik_code"
    /// The code's two minutes are over.
    case codeExpired = "blik_code_expired"
    /// The code was used already.
    case codeUsed = "blik_code_used"
    /// Not enough money on the account.
    case insufficientFunds = "insufficient_funds"
    /// The bank declined without saying why.
    case doNotHonor = "do_not_honor"
    /// Any other decline; the gateway's code is not one Tender knows.
    case declined
}
