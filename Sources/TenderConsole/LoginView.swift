/// The sign-in form.
struct LoginView: Sendable {
    let title = "Sign in"
    var chrome: PageChrome
    /// Whether the form asks for the operator token (not on a loopback console without one).
    var needsToken: Bool
    /// The console page to go to once signed in.
    var next: String
    var problem: String?
}
