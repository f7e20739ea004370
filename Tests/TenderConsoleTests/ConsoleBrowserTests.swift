import Foundation
import Tender
import TenderTestKit
import Testing

/// The console as an operator uses it: a real headless Chromium signs in, reads the pages and
/// posts the forms.
@Suite("The console in a browser", .timeLimit(.minutes(10)))
struct ConsoleBrowserTests {
    @Test("an operator signs in, finds a waiting payment on the overview and in the list, reads its timeline and resolves it")
    func operatorResolvesAStuckPayment() async throws {
        try await ConsoleHarness.run(policy: ConsoleAccessTests.patient) { harness in
            let stuck = try await harness.submitWaitingPayment()
            let paymentID = PaymentID(rawValue: stuck)
            let base = harness.serverURL.absoluteString
            try await Browser.run { browser in
                var pages: [String] = []
                try await browser.open(base + "/console?live=1")
                #expect(try await browser.url() == base + "/console/login?next=%2Fconsole%3Flive%3D1", "no session: sent to sign in")
                try await browser.submit(form: "#login", fields: ["operator": "alice", "token": ConsoleHarness.consoleToken])
                #expect(try await browser.url() == base + "/console?live=1", "and back where they were going")
                try await browser.open(base + "/console")
                let cookie = try #require(try await browser.cookies().first { $0.name == "tender_console" })
                #expect(cookie.httpOnly)
                #expect(cookie.sameSite == "Strict")

                pages.append(try await browser.dom())
                #expect(try await browser.evaluate("document.querySelector('#oldest a').textContent") == stuck)
                #expect(try await browser.evaluate("document.getElementById('in-flight-awaiting_confirmation').textContent") == "1")

                try await browser.open(base + "/console/payments")
                pages.append(try await browser.dom())
                #expect(try await browser.evaluate("document.querySelector('#payments tbody a').textContent") == stuck)
                // Polls go on adding history rows: the page shows at least what was recorded before it.
                let record = try #require(try await harness.store.payment(paymentID))
                try await browser.open(try #require(try await browser.evaluate("document.querySelector('#payments tbody a').href")))

                let timelineText = try #require(try await browser.evaluate("document.getElementById('timeline').innerText"))
                for entry in record.history {
                    #expect(timelineText.contains(entry.input), "every kind of transition is on the timeline")
                }
                pages.append(try await browser.dom())

                try await browser.submit(form: "#resolve", fields: ["outcome": "expired", "reason": "payer says the bank app crashed"])
                #expect(try await browser.url().hasSuffix("/console/payments/\(stuck)?done=resolve"))
                #expect(try await browser.evaluate("document.getElementById('payment-state').textContent") == "expired")
                let timeline = try #require(try await browser.evaluate("document.getElementById('timeline').innerText"))
                #expect(timeline.contains("payer says the bank app crashed (by alice)"), "the history row, with the operator's name")
                pages.append(try await browser.dom())

                let resolved = try #require(try await harness.store.payment(paymentID))
                #expect(resolved.attempts.last?.state == .expired)
                #expect(resolved.history.contains { $0.source == .operator && $0.note.contains("(by alice)") })
                for page in pages {
                    #expect(!page.contains("000010"), "no BLIK code on any page")
                    for secret in ConsolePagesTests.secrets {
                        #expect(!page.contains(secret), "no token or key on any page")
                    }
                }
            }
        }
    }

    @Test("a form with a forged CSRF token, or posted from another site without the cookie, is refused and changes nothing")
    func forgedFormsAreRefused() async throws {
        try await ConsoleHarness.run(policy: ConsoleAccessTests.patient) { harness in
            let stuck = try await harness.submitWaitingPayment()
            let paymentID = PaymentID(rawValue: stuck)
            let base = harness.serverURL.absoluteString
            try await Browser.run { browser in
                try await browser.open(base + "/console/login")
                try await browser.submit(form: "#login", fields: ["operator": "alice", "token": ConsoleHarness.consoleToken])
                try await browser.open(base + "/console/payments/\(stuck)")
                let attemptID = try #require(try await browser.evaluate("document.querySelector('#resolve input[name=attempt]').value"))
                try await browser.submit(form: "#resolve", fields: ["csrf": "forged", "outcome": "expired", "reason": "forged"])
                #expect(try await browser.text().contains("reload the page"), "refused as a stale or foreign form")

                // Another site's page posting to the console: SameSite=Strict keeps the cookie home.
                let attack = """
                    <form id="attack" method="post" action="\(base)/console/payments/\(stuck)/resolve">\
                    <input name="attempt" value="\(attemptID)"><input name="outcome" value="expired"><input name="reason" value="attack">\
                    <input name="csrf" value="guess"></form>
                    """
                try await browser.open("data:text/html," + (attack.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""))
                try await browser.submit(form: "#attack", fields: [:])
                #expect(try await browser.text().contains("Sign in to the console first"), "the cross-site post arrives without the cookie")
            }
            let after = try #require(try await harness.store.payment(paymentID))
            #expect(after.attempts.last?.state == .awaitingConfirmation)
            #expect(after.history.allSatisfy { $0.source != .operator })
        }
    }

    @Test("screenshots of the overview and of a payment's page during a demo-sized run")
    func screenshots() async throws {
        try await ConsoleHarness.run { harness in
            let codes =
                Array(repeating: "000012", count: 26) + Array(repeating: "000013", count: 6) + Array(repeating: "000005", count: 4)
                + Array(repeating: "000010", count: 4)
            var ids: [String] = []
            for code in codes.shuffled() {
                ids.append(try await harness.submit(code: code))
            }
            #expect(
                try await waitUntil(timeout: .seconds(120), every: .milliseconds(200)) {
                    var decided = 0
                    for id in ids where try await harness.store.payment(PaymentID(rawValue: id))?.state.isInFlight == false {
                        decided += 1
                    }
                    return decided >= ids.count - 4
                })
            // The paid payment with the longest story makes the most telling page: a payer who took
            // a while (its quiet polls counted on the attempt), the webhook and the completion.
            var longest: (id: String, length: Int) = ("", 0)
            for id in ids {
                guard let record = try await harness.store.payment(PaymentID(rawValue: id)), record.state == .completed else { continue }
                if record.history.count > longest.length { longest = (id, record.history.count) }
            }
            let base = harness.serverURL.absoluteString
            try await Browser.run(windowSize: (1280, 1000)) { browser in
                try await browser.open(base + "/console/login")
                try await browser.submit(form: "#login", fields: ["operator": "alice", "token": ConsoleHarness.consoleToken])
                let overview = try await browser.screenshot(fullPage: true)
                try await browser.open(base + "/console/payments/\(longest.id)")
                let payment = try await browser.screenshot(fullPage: true)
                for png in [overview, payment] {
                    #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]), "a PNG")
                    #expect(png.count > 10_000, "a page, not a blank")
                }
                // TENDER_SCREENSHOT_DIR=docs/images keeps them for the README.
                if let directory = ProcessInfo.processInfo.environment["TENDER_SCREENSHOT_DIR"] {
                    try Data(overview).write(to: URL(fileURLWithPath: directory).appendingPathComponent("console-overview.png"))
                    try Data(payment).write(to: URL(fileURLWithPath: directory).appendingPathComponent("console-payment.png"))
                }
            }
        }
    }
}
