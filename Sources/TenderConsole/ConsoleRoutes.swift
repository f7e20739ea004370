import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Mustache
import NIOCore
import Tender

/// The console's routes: pages read, forms act, and every request without a valid session is
/// sent to sign in (pages) or refused (forms).
struct ConsoleRoutes<Context: RequestContext>: Sendable {
    /// The largest form body, in bytes.
    static var maximumFormSize: Int { 8 * 1024 }

    var console: Console

    func add(to router: Router<Context>) {
        router.get("/console/style.css") { _, _ in
            var response = Self.html(ConsoleTemplates.stylesheet)
            response.headers[.contentType] = "text/css; charset=utf-8"
            return response
        }
        router.get("/console/login") { request, _ in
            login(next: request.uri.queryParameters["next"].map(String.init), problem: nil, status: .ok)
        }
        router.post("/console/login") { request, _ in try await signIn(request) }
        router.post("/console/logout") { request, _ in
            let (session, _) = try await authorize(request)
            console.logger.info("console sign-out", metadata: ["operator": "\(session.operatorName)"])
            var response = Response.redirect(to: "/console/login")
            response.setCookie(Cookie(name: ConsoleSession.cookieName, value: "", maxAge: 0, path: "/console", httpOnly: true, sameSite: .strict))
            return response
        }
        router.get("/console") { request, _ in
            try await page(request) { session in
                let overview = try await console.reads.overview(since: console.now().addingTimeInterval(-3600))
                let live = request.uri.queryParameters["live"] == "1"
                return render("overview", OverviewView(overview, chrome: chrome(session), now: console.now(), live: live))
            }
        }
        router.get("/console/payments") { request, _ in
            try await page(request) { session in try await paymentList(request, session: session) }
        }
        router.get("/console/payments/:id") { request, context in
            let id = try paymentID(context)
            return try await page(request) { session in
                let done = (try? URLEncodedFormDecoder().decode([String: String].self, from: request.uri.query ?? ""))?["done"].flatMap {
                    ConsoleAction(rawValue: $0)?.notice
                }
                return try await paymentPage(id, session: session, done: done)
            }
        }
        for action in ConsoleAction.allCases {
            router.post("/console/payments/:id/\(action.rawValue)") { request, context in
                let id = try paymentID(context)
                let (session, form) = try await authorize(request)
                return try await act(action, on: id, form: form, session: session)
            }
        }
    }

    // MARK: Pages

    private func page(_ request: Request, _ body: (ConsoleSession) async throws -> Response) async throws -> Response {
        guard let session = console.session(of: request) else {
            return .redirect(to: "/console/login?next=" + ConsoleFormat.pathComponent(request.uri.description))
        }
        return try await body(session)
    }

    private func paymentList(_ request: Request, session: ConsoleSession) async throws -> Response {
        let filter = try URLEncodedFormDecoder().decode(PaymentFilter.self, from: request.uri.query ?? "")
        if !filter.id.isEmpty {
            if let record = try await find(filter.id) {
                return .redirect(to: ConsoleFormat.link(to: record.id))
            }
            return notFound("No payment or attempt \(filter.id).", filter: filter, session: session)
        }
        let page = try await console.engine.payments(matching: filter.query(now: console.now()))
        return render("payments", PaymentListView(page, filter: filter, chrome: chrome(session)))
    }

    private func paymentPage(_ id: PaymentID, session: ConsoleSession, done: String? = nil, problem: String? = nil, status: HTTPResponse.Status = .ok)
        async throws -> Response
    {
        guard let record = try await console.engine.payment(id) else {
            return notFound("No payment \(id.rawValue).", filter: PaymentFilter(), session: session)
        }
        let activity = try await console.reads.activity(of: record)
        return render("payment", PaymentView(record, activity: activity, chrome: chrome(session), done: done, problem: problem), status: status)
    }

    /// The list page, empty, saying what was not found (404).
    private func notFound(_ problem: String, filter: PaymentFilter, session: ConsoleSession) -> Response {
        render(
            "payments", PaymentListView(PaymentPage(payments: [], next: nil), filter: filter, chrome: chrome(session), problem: problem),
            status: .notFound)
    }

    /// The payment with this id, or the payment of the attempt with this id.
    private func find(_ id: String) async throws -> PaymentRecord? {
        if let record = try await console.engine.payment(PaymentID(rawValue: id)) {
            return record
        }
        guard let uuid = UUID(uuidString: id), let attempt = try await console.engine.attempt(AttemptID(rawValue: uuid)) else { return nil }
        return try await console.engine.payment(attempt.paymentID)
    }

    // MARK: Signing in

    private func login(next: String?, problem: String?, status: HTTPResponse.Status) -> Response {
        let view = LoginView(
            chrome: PageChrome(session: nil, warning: console.warning), needsToken: console.token != nil, next: Self.consolePath(next),
            problem: problem)
        return render("login", view, status: status)
    }

    /// `path` when it is a page of the console (so a sign-in never sends anyone elsewhere), else
    /// the overview.
    private static func consolePath(_ path: String?) -> String {
        guard let path, path == "/console" || path.hasPrefix("/console/") || path.hasPrefix("/console?") else { return "/console" }
        return path
    }

    private func signIn(_ request: Request) async throws -> Response {
        let form = try await decode(LoginForm.self, from: request)
        let name = (form.operatorName ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.count <= 64, !name.contains(where: \.isNewline) else {
            return login(
                next: form.next, problem: "Give your name (at most 64 characters): the history records who acted.", status: .unprocessableContent)
        }
        if let token = console.token, !token.matches(form.token ?? "") {
            console.logger.warning("console sign-in refused: wrong token", metadata: ["operator": "\(name)"])
            return login(next: form.next, problem: "That is not the operator token.", status: .unauthorized)
        }
        let session = ConsoleSession(operatorName: name, now: console.now(), key: console.signingKey)
        console.logger.info("console sign-in", metadata: ["operator": "\(name)"])
        var response = Response.redirect(to: Self.consolePath(form.next))
        response.setCookie(
            Cookie(
                name: ConsoleSession.cookieName, value: session.cookie, maxAge: Int(ConsoleSession.lifetime), path: "/console", httpOnly: true,
                sameSite: .strict))
        return response
    }

    /// The session and form of a POST, refused with 403 unless both the cookie and the form's CSRF
    /// token are valid.
    private func authorize(_ request: Request) async throws -> (ConsoleSession, ActionForm) {
        guard let session = console.session(of: request) else {
            console.logger.warning("console action refused: no valid session", metadata: ["path": "\(request.uri.path)"])
            throw HTTPError(.forbidden, message: "Sign in to the console first.")
        }
        let form = try await decode(ActionForm.self, from: request)
        guard let csrf = form.csrf, session.acceptsCSRFToken(csrf) else {
            console.logger.warning(
                "console action refused: wrong CSRF token", metadata: ["path": "\(request.uri.path)", "operator": "\(session.operatorName)"])
            throw HTTPError(.forbidden, message: "The form is stale or was not sent by the console; reload the page.")
        }
        return (session, form)
    }

    // MARK: Acting

    private func act(_ action: ConsoleAction, on id: PaymentID, form: ActionForm, session: ConsoleSession) async throws -> Response {
        let reason = (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 500 else {
            return try await paymentPage(
                id, session: session, problem: "Give a reason (at most 500 characters) for the audit record.", status: .unprocessableContent)
        }
        let operatorAction = OperatorAction(operatorName: session.operatorName, reason: reason)
        do {
            switch action {
            case .resolve:
                guard let attempt = form.attempt.flatMap(UUID.init(uuidString:)).map(AttemptID.init(rawValue:)),
                    let outcome = form.outcome.flatMap(AttemptState.init(rawValue:)), [.completed, .expired, .failed].contains(outcome),
                    try await console.engine.attempt(attempt)?.paymentID == id
                else {
                    return try await paymentPage(
                        id, session: session, problem: "Choose an attempt of this payment and an outcome.", status: .unprocessableContent)
                }
                let transition = try await console.engine.resolve(
                    attempt, as: outcome, reason: reason, operatorName: session.operatorName, force: form.force == "true")
                guard transition.changedState else {
                    return try await paymentPage(id, session: session, problem: "Not resolved: \(transition.note)", status: .conflict)
                }
            case .cancel:
                _ = try await console.engine.cancel(paymentID: id, by: operatorAction)
            case .refund:
                let amount = (form.amount ?? "").trimmingCharacters(in: .whitespaces)
                guard amount.isEmpty || Int64(amount) != nil,
                    let kind = RefundReason(rawValue: form.kind ?? RefundReason.requestedByCustomer.rawValue)
                else {
                    return try await paymentPage(
                        id, session: session, problem: "The amount is a whole number of minor units.", status: .unprocessableContent)
                }
                _ = try await console.engine.refund(
                    paymentID: id, amount: Int64(amount), reason: kind, idempotencyKey: "console-\(UUID().uuidString)", operatorAction: operatorAction
                )
            }
        } catch let refused as ResolutionRefused {
            return try await paymentPage(
                id, session: session, problem: "Refused: \(refused.reason). Check with the gateway; tick the box to override it.", status: .conflict)
        } catch let error as StoreError {
            return try await paymentPage(id, session: session, problem: "Refused: \(error.message)", status: .conflict)
        } catch let error as ValidationError {
            return try await paymentPage(id, session: session, problem: "Refused: \(error)", status: .unprocessableContent)
        }
        console.logger.notice(
            "console action", metadata: ["action": "\(action.rawValue)", "payment_id": "\(id)", "operator": "\(session.operatorName)"])
        return .redirect(to: ConsoleFormat.link(to: id) + "?done=" + action.rawValue)
    }

    // MARK: Helpers

    private func paymentID(_ context: Context) throws -> PaymentID {
        let raw = try context.parameters.require("id")
        return PaymentID(rawValue: raw.removingPercentEncoding ?? raw)
    }

    private func decode<Form: Decodable>(_ type: Form.Type, from request: Request) async throws -> Form {
        var request = request
        let body = try await request.collectBody(upTo: Self.maximumFormSize)
        do {
            return try URLEncodedFormDecoder().decode(Form.self, from: String(buffer: body))
        } catch {
            throw HTTPError(.badRequest, message: "The form could not be read.")
        }
    }

    private func chrome(_ session: ConsoleSession) -> PageChrome {
        PageChrome(session: session, warning: console.warning)
    }

    private func render(_ template: String, _ page: Any, status: HTTPResponse.Status = .ok) -> Response {
        var response = Self.html(ConsoleTemplates.library.render(page, withTemplate: template) ?? "")
        response.status = status
        return response
    }

    /// An HTML response with the console's security headers: nothing cached, nothing framed, no
    /// script, forms posting only to the console.
    static func html(_ text: String) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                .contentSecurityPolicy:
                    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                HTTPField.Name("X-Content-Type-Options")!: "nosniff", HTTPField.Name("Referrer-Policy")!: "no-referrer",
            ],
            body: .init(byteBuffer: ByteBuffer(string: text))
        )
    }
}
