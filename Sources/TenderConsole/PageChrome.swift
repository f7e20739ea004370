/// What every page's header shows: who is signed in, the token for the sign-out form, and a
/// warning when the console is open without a token.
struct PageChrome: Sendable {
    var operatorName: String?
    var csrf: String
    var warning: String?

    init(session: ConsoleSession?, warning: String?) {
        self.operatorName = session?.operatorName
        self.csrf = session?.csrfToken ?? ""
        self.warning = warning
    }
}
