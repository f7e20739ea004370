/// The sign-in form.
struct LoginView: Sendable {
    let title = "Sign in"
    var chrome: PageChrome
    /// Whether the form asks for the operator token (not on a loopback console without one).
    var needsToken: Bool
    var problem: String?
}
