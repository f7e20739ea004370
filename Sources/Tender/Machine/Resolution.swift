/// An operator's resolution of an attempt, with what the gateway said when it was made.
public struct Resolution: Sendable, Hashable {
    /// The outcome the operator decided.
    public var state: AttemptState
    /// Why, for the audit record.
    public var reason: String
    /// Who decided.
    public var operatorName: String
    /// The session's status at the gateway when the operator decided; `nil` without a session or
    /// when the gateway could not be read.
    public var gatewayStatus: GatewaySession.Status?
    /// Whether the operator overrode a gateway that said otherwise, or resolved without the
    /// gateway's answer because the session could not be read.
    public var forced: Bool

    /// Creates a resolution.
    public init(state: AttemptState, reason: String, operatorName: String, gatewayStatus: GatewaySession.Status? = nil, forced: Bool = false) {
        self.state = state
        self.reason = reason
        self.operatorName = operatorName
        self.gatewayStatus = gatewayStatus
        self.forced = forced
    }

    /// Why resolving an attempt with `sessionID` to `state` contradicts the gateway's
    /// `gatewayStatus`, or `nil` when it does not: completed needs a completed session; expired or
    /// failed must not leave a charge behind, and failed must not leave a session the payer can
    /// still confirm.
    public static func contradiction(resolving state: AttemptState, sessionID: String?, gatewayStatus: GatewaySession.Status?) -> String? {
        switch (state, gatewayStatus) {
        case (.completed, .completed): nil
        case (.completed, _) where sessionID == nil: "the gateway never had a session for the attempt"
        case (.completed, let status?): "the gateway reports the session \(status.rawValue), not completed"
        case (.expired, .completed), (.failed, .completed): "the gateway reports the session completed: the payer was charged"
        case (.failed, .open): "the gateway's session is still open: the payer may still confirm it"
        default: nil
        }
    }
}

/// An operator's resolution refused because the gateway says otherwise; repeat it with `force`
/// to override the gateway.
public struct ResolutionRefused: Error, Sendable, Hashable, CustomStringConvertible {
    /// The resolution asked for.
    public var state: AttemptState
    /// What the gateway said.
    public var gatewayStatus: GatewaySession.Status?
    /// Why it contradicts the gateway.
    public var reason: String

    /// Creates an error.
    public init(state: AttemptState, gatewayStatus: GatewaySession.Status?, reason: String) {
        self.state = state
        self.gatewayStatus = gatewayStatus
        self.reason = reason
    }

    /// The resolution and the reason.
    public var description: String { "resolution to \(state.rawValue) refused: \(reason)" }
}
