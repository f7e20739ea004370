import Foundation
import HTTPTypes
import Tender
import TenderTestKit
import Testing

@Suite("The console's access rules", .timeLimit(.minutes(10)))
struct ConsoleAccessTests {
    /// A policy under which a silent payer's attempt stays in flight for the whole test.
    static let patient: AttemptPolicy = {
        var policy = AttemptPolicy.fastForTests
        policy.confirmationWindow = .seconds(600)
        return policy
    }()

    @Test("a visitor without a session is sent to sign in, and a wrong token signs no one in")
    func pagesNeedASession() async throws {
        try await ConsoleHarness.run { harness in
            for uri in ["/console", "/console/payments", "/console/payments/any"] {
                let response = try await harness.get(uri)
                #expect(response.status == .seeOther, "\(uri)")
                #expect(response.headers[.location] == "/console/login?next=" + uri.replacingOccurrences(of: "/", with: "%2F"), "\(uri)")
            }
            let forged = try await harness.get("/console", cookie: "tender_console=v1.9999999999.YWxpY2U.AAAA")
            #expect(forged.status == .seeOther)

            let wrong = try await harness.post("/console/login", cookie: nil, form: "operator=mallory&token=not-the-token-at-all")
            #expect(wrong.status == .unauthorized)
            #expect(wrong.headers[.setCookie] == nil)
            let nameless = try await harness.post("/console/login", cookie: nil, form: "operator=&token=\(ConsoleHarness.consoleToken)")
            #expect(nameless.status == .unprocessableContent)
            #expect(nameless.headers[.setCookie] == nil)

            let cookie = try await harness.signIn()
            let overview = try await harness.get("/console", cookie: cookie)
            #expect(overview.status == .ok)
            #expect(String(buffer: overview.body).contains("alice"))
            #expect(overview.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
        }
    }

    @Test("the session cookie is HttpOnly and SameSite=Strict, scoped to /console, and a sign-in returns only to a console page")
    func cookieAttributes() async throws {
        try await ConsoleHarness.run { harness in
            let response = try await harness.post("/console/login", cookie: nil, form: "operator=alice&token=\(ConsoleHarness.consoleToken)")
            let attributes = try #require(response.headers[.setCookie]).split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(attributes.contains("HttpOnly"))
            #expect(attributes.contains("SameSite=Strict"))
            #expect(attributes.contains("Path=/console"))
            #expect(response.headers[.location] == "/console")
            for (next, expected) in [
                ("%2Fconsole%2Fpayments", "/console/payments"), ("https%3A%2F%2Fevil.example", "/console"), ("%2F%2Fevil", "/console"),
            ] {
                let signedIn = try await harness.post(
                    "/console/login", cookie: nil, form: "operator=alice&token=\(ConsoleHarness.consoleToken)&next=\(next)")
                #expect(signedIn.headers[.location] == expected, "a sign-in goes back to a console page only")
            }
        }
    }

    @Test("an action without the cookie, or with a wrong CSRF token, is refused and changes nothing")
    func actionsNeedCookieAndCSRF() async throws {
        try await ConsoleHarness.run(policy: Self.patient) { harness in
            let paymentID = try await harness.submitWaitingPayment()
            let before = try #require(try await harness.store.payment(PaymentID(rawValue: paymentID)))
            let attempt = try #require(before.attempts.last).id.rawValue.uuidString
            let cookie = try await harness.signIn()
            let page = String(buffer: try await harness.get("/console/payments/\(paymentID)", cookie: cookie).body)
            let csrf = try ConsoleHarness.csrfToken(in: page)
            let resolve = "/console/payments/\(paymentID)/resolve"
            let fields = "attempt=\(attempt)&outcome=expired&reason=payer+gave+up"

            let withoutCookie = try await harness.post(resolve, cookie: nil, form: "csrf=\(csrf)&\(fields)")
            #expect(withoutCookie.status == .forbidden)
            let withoutToken = try await harness.post(resolve, cookie: cookie, form: fields)
            #expect(withoutToken.status == .forbidden)
            // Another last character: a token that happens to end in "x" must not stay right.
            let forged = csrf.dropLast() + (csrf.hasSuffix("x") ? "y" : "x")
            let wrongToken = try await harness.post(resolve, cookie: cookie, form: "csrf=\(forged)&\(fields)")
            #expect(wrongToken.status == .forbidden)
            let otherSession = try await harness.signIn(as: "mallory")
            let crossed = try await harness.post(resolve, cookie: otherSession, form: "csrf=\(csrf)&\(fields)")
            #expect(crossed.status == .forbidden, "a CSRF token belongs to its session")
            let cancel = try await harness.post("/console/payments/\(paymentID)/cancel", cookie: nil, form: "csrf=\(csrf)&reason=x")
            #expect(cancel.status == .forbidden)

            let after = try #require(try await harness.store.payment(PaymentID(rawValue: paymentID)))
            #expect(after.history.allSatisfy { $0.source != .operator }, "no refused action reached the history")
            #expect(after.attempts.last?.state == .awaitingConfirmation)

            let accepted = try await harness.post(resolve, cookie: cookie, form: "csrf=\(csrf)&\(fields)")
            #expect(accepted.status == .seeOther, "the same form with the cookie and its token is accepted")
            let resolved = try #require(try await harness.store.payment(PaymentID(rawValue: paymentID)))
            #expect(resolved.attempts.last?.state == .expired)
            #expect(resolved.history.contains { $0.source == .operator && $0.note.contains("(by alice)") })
        }
    }

    @Test("an open console on loopback signs in by name alone and warns on every page")
    func openConsoleWarns() async throws {
        try await ConsoleHarness.run(consoleToken: nil) { harness in
            let login = String(buffer: try await harness.get("/console/login").body)
            #expect(login.contains("no operator token"))
            #expect(!login.contains(#"name="token""#))
            let response = try await harness.post("/console/login", cookie: nil, form: "operator=bob")
            #expect(response.status == .seeOther)
            let cookie = String(try #require(response.headers[.setCookie]?.split(separator: ";").first))
            let overview = String(buffer: try await harness.get("/console", cookie: cookie).body)
            #expect(overview.contains("no operator token"))
        }
    }
}
