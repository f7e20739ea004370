import Foundation
import HTTPTypes
import Tender
import TenderTestKit
import Testing

@Suite("The console's pages and actions", .timeLimit(.minutes(10)))
struct ConsolePagesTests {
    /// What no page may show.
    static let secrets = [ConsoleHarness.consoleToken, ConsoleHarness.apiToken, ConsoleHarness.secretKey]

    @Test("the overview, the list and a payment's page show a completed payment, and no secret")
    func pagesShowAPayment() async throws {
        try await ConsoleHarness.run { harness in
            let paymentID = try await harness.submit(code: "000012")
            #expect(
                try await waitUntil(timeout: .seconds(60), every: .milliseconds(100)) {
                    try await harness.store.payment(PaymentID(rawValue: paymentID))?.state == .completed
                })
            let cookie = try await harness.signIn()
            let overview = String(buffer: try await harness.get("/console", cookie: cookie).body)
            #expect(overview.contains(#"<svg id="outcomes-chart""#))
            #expect(overview.contains("Outcomes in the last hour: 1 completed"))
            #expect(!overview.contains(#"http-equiv="refresh""#))
            let live = String(buffer: try await harness.get("/console?live=1", cookie: cookie).body)
            #expect(live.contains(#"<meta http-equiv="refresh" content="5">"#), "following live reloads the overview")

            let list = String(buffer: try await harness.get("/console/payments?state=completed", cookie: cookie).body)
            #expect(list.contains(paymentID))
            let expired = String(buffer: try await harness.get("/console/payments?state=expired", cookie: cookie).body)
            #expect(!expired.contains(paymentID))
            let search = try await harness.get("/console/payments?id=\(paymentID)", cookie: cookie)
            #expect(search.headers[.location] == "/console/payments/\(paymentID)")

            let page = String(buffer: try await harness.get("/console/payments/\(paymentID)", cookie: cookie).body)
            let record = try #require(try await harness.store.payment(PaymentID(rawValue: paymentID)))
            for entry in record.history {
                #expect(page.contains(entry.input), "the timeline has \(entry.input)")
            }
            #expect(page.contains("attempt.completed"), "the events emitted")
            #expect(page.contains(#"id="refund""#), "a paid payment offers a refund")
            #expect(!page.contains(#"id="cancel""#))
            for text in [overview, list, page] {
                #expect(!text.contains("000012"), "no BLIK code")
                for secret in Self.secrets {
                    #expect(!text.contains(secret))
                }
            }
            let missing = try await harness.get("/console/payments/no-such-payment", cookie: cookie)
            #expect(missing.status == .notFound)
        }
    }

    @Test("a waiting payer's polls that learned nothing show on the attempt, not in the timeline")
    func quietPollsShowOnTheAttempt() async throws {
        try await ConsoleHarness.run(policy: ConsoleAccessTests.patient) { harness in
            let waiting = try await harness.submitWaitingPayment()
            #expect(
                try await waitUntil(timeout: .seconds(60), every: .milliseconds(100)) {
                    try await harness.store.payment(PaymentID(rawValue: waiting))?.attempts.last?.quietPolls ?? 0 >= 2
                })
            let cookie = try await harness.signIn()
            let page = String(buffer: try await harness.get("/console/payments/\(waiting)", cookie: cookie).body)
            let record = try #require(try await harness.store.payment(PaymentID(rawValue: waiting)))
            #expect(page.contains(" quiet polls, the last at "), "the attempt counts its quiet polls")
            #expect(
                !record.history.contains { $0.input == "fetched" && $0.source == .poll && $0.fromState == $0.toState },
                "no poll that learned nothing is in the history")
        }
    }

    @Test("cancel and refund through the forms are recorded with the operator's name and reason")
    func cancelAndRefund() async throws {
        try await ConsoleHarness.run(policy: ConsoleAccessTests.patient) { harness in
            let waiting = try await harness.submit(code: "000010")
            let paid = try await harness.submit(code: "000012")
            #expect(
                try await waitUntil(timeout: .seconds(60), every: .milliseconds(100)) {
                    let waitingState = try await harness.store.payment(PaymentID(rawValue: waiting))?.attempts.last?.state
                    let paidState = try await harness.store.payment(PaymentID(rawValue: paid))?.state
                    return waitingState == .awaitingConfirmation && paidState == .completed
                })
            let cookie = try await harness.signIn(as: "carol")
            let csrf = try ConsoleHarness.csrfToken(in: String(buffer: try await harness.get("/console", cookie: cookie).body))

            let cancel = try await harness.post("/console/payments/\(waiting)/cancel", cookie: cookie, form: "csrf=\(csrf)&reason=order+withdrawn")
            #expect(cancel.headers[.location] == "/console/payments/\(waiting)?done=cancel")
            let canceled = try #require(try await harness.store.payment(PaymentID(rawValue: waiting)))
            #expect(canceled.attempts.last?.state == .canceled)
            let entry = try #require(canceled.history.first { $0.source == .operator })
            #expect(entry.input == "canceled_by_operator" && entry.source == .operator)
            #expect(entry.note.contains("carol: order withdrawn"))

            let emptyReason = try await harness.post("/console/payments/\(paid)/refund", cookie: cookie, form: "csrf=\(csrf)&amount=300&reason=")
            #expect(emptyReason.status == .unprocessableContent)
            let tooMuch = try await harness.post("/console/payments/\(paid)/refund", cookie: cookie, form: "csrf=\(csrf)&amount=5000&reason=x")
            #expect(tooMuch.status == .conflict)
            #expect(try await harness.store.payment(PaymentID(rawValue: paid))?.refunds.isEmpty == true, "refused refunds change nothing")

            let refund = try await harness.post(
                "/console/payments/\(paid)/refund", cookie: cookie, form: "csrf=\(csrf)&amount=300&kind=requested_by_customer&reason=damaged+parcel")
            #expect(refund.headers[.location] == "/console/payments/\(paid)?done=refund")
            #expect(
                try await waitUntil(timeout: .seconds(60), every: .milliseconds(100)) {
                    try await harness.store.payment(PaymentID(rawValue: paid))?.refunds.first?.state == .succeeded
                })
            let page = String(buffer: try await harness.get("/console/payments/\(paid)?done=refund", cookie: cookie).body)
            #expect(page.contains("carol: damaged parcel"), "the refund's history names the operator")
            #expect(page.contains("Refund requested"))
        }
    }

    @Test("a resolution the gateway contradicts is refused on the page and changes nothing, unless forced")
    func contradictedResolution() async throws {
        try await ConsoleHarness.run(policy: ConsoleAccessTests.patient) { harness in
            let paymentID = PaymentID(rawValue: try await harness.submitWaitingPayment())
            let attempt = try #require(try await harness.store.payment(paymentID)?.attempts.last).id.rawValue.uuidString
            let cookie = try await harness.signIn(as: "dave")
            let csrf = try ConsoleHarness.csrfToken(in: String(buffer: try await harness.get("/console", cookie: cookie).body))
            let uri = "/console/payments/\(paymentID.rawValue)/resolve"

            let refused = try await harness.post(uri, cookie: cookie, form: "csrf=\(csrf)&attempt=\(attempt)&outcome=completed&reason=bank+says+paid")
            #expect(refused.status == .conflict)
            #expect(String(buffer: refused.body).contains("the gateway reports the session open"))
            let unchanged = try #require(try await harness.store.payment(paymentID))
            #expect(unchanged.attempts.last?.state == .awaitingConfirmation)
            #expect(unchanged.history.allSatisfy { $0.source != .operator })

            let forced = try await harness.post(
                uri, cookie: cookie, form: "csrf=\(csrf)&attempt=\(attempt)&outcome=completed&reason=bank+says+paid&force=true")
            #expect(forced.status == .seeOther)
            let resolved = try #require(try await harness.store.payment(paymentID))
            #expect(resolved.state == .completed)
            #expect(resolved.history.contains { $0.source == .operator && $0.note.contains("overriding the gateway's open session") })
        }
    }

    @Test("the list pages through every payment, newest first, and filters by age")
    func listPages() async throws {
        try await ConsoleHarness.run { harness in
            var submitted: [String] = []
            for _ in 0..<53 {
                submitted.append(try await harness.submit(code: "000012"))
            }
            let cookie = try await harness.signIn()
            var listed: [String] = []
            var next: String? = "/console/payments"
            while let uri = next {
                let page = String(buffer: try await harness.get(uri, cookie: cookie).body)
                listed += page.matches(of: /<tr><td><a href="[^"]*">([^<]*)<\/a>/).map { String($0.output.1) }
                next = page.firstMatch(of: /<a id="next" href="([^"]*)"/).map { String($0.output.1).replacingOccurrences(of: "&amp;", with: "&") }
            }
            #expect(listed == submitted.reversed(), "every payment once, newest first")
            let recent = String(buffer: try await harness.get("/console/payments?age=15m", cookie: cookie).body)
            #expect(recent.contains(try #require(submitted.last)))
        }
    }
}
