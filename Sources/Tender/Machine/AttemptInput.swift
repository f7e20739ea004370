/// Something that happened to an attempt, with where it came from.
public enum AttemptInput: Sendable, Hashable {
    /// The gateway created the session.
    case sessionCreated(GatewaySession)
    /// The gateway answered the pay call with the session.
    case payAnswered(GatewaySession)
    /// A gateway call (create or pay) did not return a result.
    case callFailed(GatewayCall, GatewayError)
    /// The session was read from the gateway's API; the only source of an outcome besides call answers.
    case fetched(GatewaySession, FetchReason)
    /// Reading the session failed.
    case fetchFailed(FetchReason, GatewayError)
    /// A verified webhook named the attempt's session. A hint only: it leads to a fetch.
    case webhookHint(WebhookHint)
    /// The attempt's deadline fell due.
    case deadlineReached
    /// The order system asked to cancel the attempt.
    case cancelRequested
    /// An operator canceled the attempt, with a reason.
    case canceledByOperator(OperatorAction)
    /// An operator resolved the attempt by hand.
    case resolvedByOperator(Resolution)

    /// Where the input came from.
    public var source: InputSource {
        switch self {
        case .sessionCreated, .payAnswered, .callFailed: .gatewayResponse
        case .fetched(_, let reason), .fetchFailed(let reason, _): reason.source
        case .webhookHint: .webhook
        case .deadlineReached: .deadline
        case .cancelRequested: .orderSystem
        case .canceledByOperator, .resolvedByOperator: .operator
        }
    }

    /// A short snake_case name for the history, e.g. `fetched`.
    public var name: String {
        switch self {
        case .sessionCreated: "session_created"
        case .payAnswered: "pay_answered"
        case .callFailed: "call_failed"
        case .fetched: "fetched"
        case .fetchFailed: "fetch_failed"
        case .webhookHint: "webhook_hint"
        case .deadlineReached: "deadline_reached"
        case .cancelRequested: "cancel_requested"
        case .canceledByOperator: "canceled_by_operator"
        case .resolvedByOperator: "resolved_by_operator"
        }
    }
}

/// Where an input came from, and so how an outcome was learned.
public enum InputSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// The order system's submission.
    case submit
    /// The answer to a gateway call.
    case gatewayResponse = "gateway_response"
    /// A fetch of the session prompted by a webhook.
    case webhook
    /// A scheduled poll of the session.
    case poll
    /// A fetch that checks an uncertain call.
    case fetch
    /// The deadline, or the last poll made at it.
    case deadline
    /// The order system (a cancellation).
    case orderSystem = "order_system"
    /// An operator's manual resolution.
    case `operator`
}
