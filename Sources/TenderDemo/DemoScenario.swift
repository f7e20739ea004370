import Foundation
import Tender
import TenderSandbox

/// What the demo does: how many payments, how the bank and the network behave, and how time is
/// compressed. Durations are given in "bank time" (real BLIK timings) and multiplied by
/// ``timeScale`` for both the sandbox and the engine's policy, so the two stay in proportion.
struct DemoScenario: Sendable {
    /// How many payments are pushed through.
    var payments: Int
    /// The factor every bank delay and every policy duration is multiplied by.
    var timeScale: Double
    /// The seed of the demo's own random choices and of the sandbox's.
    var seed: UInt64

    /// The payer has 90 s to confirm, as with the engine's defaults.
    static let confirmationWindow: Duration = .seconds(90)
    /// Payments are handed to the engine over this long (real time, not scaled).
    static let submissionSpread: Duration = .seconds(5)

    /// The engine's policy: the defaults, every duration scaled.
    var policy: AttemptPolicy {
        var policy = AttemptPolicy()
        policy.confirmationWindow = scaled(Self.confirmationWindow)
        policy.firstPollDelay = scaled(policy.firstPollDelay)
        policy.pollInterval = scaled(policy.pollInterval)
        policy.gracePeriod = scaled(policy.gracePeriod)
        policy.gracePollInterval = scaled(policy.gracePollInterval)
        policy.sessionLifetimeBeyondDeadline = scaled(policy.sessionLifetimeBeyondDeadline)
        return policy
    }

    /// A realistic bank and network: most payers confirm within 10–80 s (bank time), 10 % never
    /// do, a few are declined or confirmed at once; 10 % of webhooks are lost, some are sent twice
    /// or late.
    func sandboxConfiguration(secretKey: String, webhookURL: String) -> SandboxConfiguration {
        let bank = BankBehavior(
            confirmationDelay: .weighted([
                .init(weight: 0.7, range: .seconds(10) ... .seconds(50)),
                .init(weight: 0.3, range: .seconds(50) ... .seconds(80)),
            ]),
            invalidCodeRate: 0.02,
            declineRate: 0.03,
            immediateCompletionRate: 0.03,
            neverConfirmRate: 0.10,
            payerGivesUpAfter: .seconds(120)
        )
        let webhooks = WebhookChaos(
            dropRate: 0.10,
            duplicateRate: 0.05,
            delayRate: 0.05,
            extraDelay: .uniform(.seconds(4) ... .seconds(20))
        )
        return SandboxConfiguration(
            secretKey: secretKey, webhookURL: webhookURL, bank: bank, webhooks: webhooks, timeScale: timeScale, seed: seed
        )
    }

    /// How long the demo waits for every payment's outcome before it gives up: the last
    /// submission, the window, and a generous margin.
    var patience: Duration {
        Self.submissionSpread + policy.confirmationWindow + .seconds(30)
    }

    /// The payments to submit, each with when to submit it (after the start), in that order.
    /// `runID` keeps payment ids unique across runs against one database.
    func plannedPayments(runID: String) -> [DemoPayment] {
        var random = SeededGenerator(seed: seed)
        let spread = Self.submissionSpread.timeInterval
        let offsets = (0..<payments).map { _ in Double.random(in: 0...spread, using: &random) }.sorted()
        return offsets.enumerated().map { index, offset in
            let first = Self.firstNames[Int.random(in: 0..<Self.firstNames.count, using: &random)]
            let last = Self.lastNames[Int.random(in: 0..<Self.lastNames.count, using: &random)]
            return DemoPayment(
                number: index + 1,
                paymentID: PaymentID(rawValue: "demo-\(runID)-\(index + 1)"),
                offset: offset,
                amountMinorUnits: Int64.random(in: 10...500, using: &random) * 100 + Int64.random(in: 0...99, using: &random),
                // 100000...999999 avoids the sandbox's magic codes (000001–000099).
                code: String(Int.random(in: 100_000...999_999, using: &random)),
                firstName: first,
                lastName: last
            )
        }
    }

    private func scaled(_ duration: Duration) -> Duration {
        .microseconds(Int64((duration.timeInterval * timeScale * 1_000_000).rounded()))
    }

    private static let firstNames = ["Anna", "Jan", "Katarzyna", "Piotr", "Maria", "Tomasz", "Agnieszka", "Paweł", "Ewa", "Michał"]
    private static let lastNames = ["Nowak", "Kowalski", "Wiśniewska", "Wójcik", "Kamińska", "Lewandowski", "Zielińska", "Szymański"]
}

/// One payment the demo submits.
struct DemoPayment: Sendable {
    /// 1-based position in submission order.
    var number: Int
    var paymentID: PaymentID
    /// Seconds after the start at which it is submitted.
    var offset: TimeInterval
    var amountMinorUnits: Int64
    /// The payer's 6-digit BLIK code.
    var code: String
    var firstName: String
    var lastName: String

    var email: String {
        "payer\(number)@example.com"
    }
}
