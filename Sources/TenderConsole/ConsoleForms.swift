/// The sign-in form.
struct LoginForm: Decodable {
    var operatorName: String?
    var token: String?
    /// The console page to go to once signed in.
    var next: String?

    private enum CodingKeys: String, CodingKey {
        case operatorName = "operator"
        case token, next
    }
}

/// The form of an action: the CSRF token, the reason, and the fields of each action.
struct ActionForm: Decodable {
    var csrf: String?
    var reason: String?
    /// Resolve: the attempt and the outcome; `force` overrides the gateway.
    var attempt: String?
    var outcome: String?
    var force: String?
    /// Refund: minor units (empty for all that is left) and the kind of refund.
    var amount: String?
    var kind: String?
}
