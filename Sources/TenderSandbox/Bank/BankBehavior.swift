/// How the payer's bank behaves after a BLIK code is sent with a pay call.
///
/// Each pay call draws twice with the sandbox's seeded generator: first whether the code is
/// refused (the refusal rates, tried in the order listed, together at most 1), then — for an
/// accepted code — how the payer ends it (immediate, never, late, or after
/// ``confirmationDelay``). A ``MagicBLIKCode`` overrides both draws for one call.
///
/// Every delay here is multiplied by ``SandboxConfiguration/timeScale``.
public struct BankBehavior: Sendable, Hashable {
    /// How long the payer takes to confirm in the bank app. Default uniform 40...90 s.
    public var confirmationDelay: DelayDistribution
    /// The share of codes (0...1) refused as `invalid_blik_code` (402). Default 0.
    public var invalidCodeRate: Double
    /// The share of codes (0...1) refused as `blik_code_expired` (402). Default 0.
    public var expiredCodeRate: Double
    /// The share of codes (0...1) refused as `blik_code_used` (402). Default 0.
    public var usedCodeRate: Double
    /// The share of codes (0...1) declined by the bank as `insufficient_funds` or `do_not_honor`
    /// (402, half each). Default 0.
    public var declineRate: Double
    /// The share of accepted codes (0...1) confirmed at once: pay answers `completed`. Default 0.
    public var immediateCompletionRate: Double
    /// The share of accepted codes (0...1) the payer never confirms: the session expires after
    /// ``payerGivesUpAfter`` (or at its `expire_at`, if sooner). Default 0.
    public var neverConfirmRate: Double
    /// The share of accepted codes (0...1) confirmed only after ``lateCompletionDelay`` — later
    /// than any sensible merchant deadline, but before the session's own expiry, so the merchant
    /// sees a completion after it gave up waiting. Default 0.
    public var lateCompletionRate: Double
    /// How long a late confirmation takes. Default 180 s.
    public var lateCompletionDelay: DelayDistribution
    /// When an unconfirmed payment is abandoned and its session expires. Default 120 s (the life
    /// of a BLIK code).
    public var payerGivesUpAfter: Duration
    /// How long a refund stays `pending` before it settles. Default 5 s.
    public var refundSettlementDelay: DelayDistribution
    /// The share of refunds (0...1) that settle as `failed` (the amount is given back). Default 0.
    public var refundFailureRate: Double

    /// Creates bank behaviour; the defaults are a bank where every payer confirms in 40–90 s.
    public init(
        confirmationDelay: DelayDistribution = .uniform(.seconds(40) ... .seconds(90)),
        invalidCodeRate: Double = 0,
        expiredCodeRate: Double = 0,
        usedCodeRate: Double = 0,
        declineRate: Double = 0,
        immediateCompletionRate: Double = 0,
        neverConfirmRate: Double = 0,
        lateCompletionRate: Double = 0,
        lateCompletionDelay: DelayDistribution = .fixed(.seconds(180)),
        payerGivesUpAfter: Duration = .seconds(120),
        refundSettlementDelay: DelayDistribution = .fixed(.seconds(5)),
        refundFailureRate: Double = 0
    ) {
        self.confirmationDelay = confirmationDelay
        self.invalidCodeRate = invalidCodeRate
        self.expiredCodeRate = expiredCodeRate
        self.usedCodeRate = usedCodeRate
        self.declineRate = declineRate
        self.immediateCompletionRate = immediateCompletionRate
        self.neverConfirmRate = neverConfirmRate
        self.lateCompletionRate = lateCompletionRate
        self.lateCompletionDelay = lateCompletionDelay
        self.payerGivesUpAfter = payerGivesUpAfter
        self.refundSettlementDelay = refundSettlementDelay
        self.refundFailureRate = refundFailureRate
    }
}
