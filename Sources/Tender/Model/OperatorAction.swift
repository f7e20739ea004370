/// Who acted on a payment by hand, and why: recorded with the transition it caused.
public struct OperatorAction: Sendable, Hashable {
    /// Who acted.
    public var operatorName: String
    /// Why, for the audit record.
    public var reason: String

    /// Creates an action.
    public init(operatorName: String, reason: String) {
        self.operatorName = operatorName
        self.reason = reason
    }

    /// Who acted, as a history note names them, e.g. `an operator (alice: the payer asked)`.
    var attribution: String { "an operator (\(operatorName): \(reason))" }
}
