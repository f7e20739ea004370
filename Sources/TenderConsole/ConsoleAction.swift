/// What an operator may do to a payment from its page, each a form posted to
/// `/console/payments/ID/<action>`.
enum ConsoleAction: String, CaseIterable, Sendable {
    /// Settle an attempt in flight by hand, after the gateway is read.
    case resolve
    /// Cancel the attempt in flight.
    case cancel
    /// Refund a paid payment, wholly or in part.
    case refund

    /// What the payment's page says once the action is done.
    var notice: String {
        switch self {
        case .resolve: "Resolved; the history records it with your name."
        case .cancel: "Canceled; the history records it with your name."
        case .refund: "Refund requested; its history records it with your name."
        }
    }
}
