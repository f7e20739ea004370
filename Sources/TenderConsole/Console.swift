import Crypto
import Foundation
import Hummingbird
import Logging
import Tender

/// The operator console under `/console`: server-rendered pages of what is in flight and what
/// happened to each payment, and forms to resolve, cancel and refund, each recorded in the
/// history with the operator's name.
///
/// An operator signs in with their name and the console token; the session lives in a signed,
/// HttpOnly, SameSite=Strict cookie, and every form carries a CSRF token derived from it. Without
/// a token (a loopback worker only) the form asks just for a name and every page warns.
public struct Console: Sendable {
    /// The engine the actions go through, and the payments the pages read.
    public var engine: PaymentEngine
    /// The overview's and a payment's activity.
    public var reads: any OperatorReads
    /// The token operators sign in with (sessions are signed with a key derived from it); `nil`
    /// for an open console (loopback only).
    public let token: ConsoleToken?
    /// Where refusals and actions are logged.
    public var logger: Logger
    /// The console's clock.
    public var now: @Sendable () -> Date
    /// The key sessions are signed with.
    let signingKey: SymmetricKey

    /// Creates a console.
    public init(
        engine: PaymentEngine, reads: any OperatorReads, token: ConsoleToken?, logger: Logger = Logger(label: "tender.console"),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.engine = engine
        self.reads = reads
        self.token = token
        self.logger = logger
        self.now = now
        self.signingKey = token?.signingKey ?? SymmetricKey(size: .bits256)
    }

    /// Adds the console's routes to `router`.
    public func add<Context: RequestContext>(to router: Router<Context>) {
        ConsoleRoutes<Context>(console: self).add(to: router)
    }

    /// The warning every page of an open console shows.
    var warning: String? {
        token == nil
            ? "This console has no operator token: anyone who reaches this address can act on payments. Set TENDER_CONSOLE_TOKEN."
            : nil
    }

    /// The session a request's cookie carries, if valid.
    func session(of request: Request) -> ConsoleSession? {
        request.cookies[ConsoleSession.cookieName].flatMap { ConsoleSession(cookie: $0.value, now: now(), key: signingKey) }
    }
}
