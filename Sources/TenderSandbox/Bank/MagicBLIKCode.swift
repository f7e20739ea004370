/// BLIK codes that make the sandbox behave in one exact way for one pay call, whatever the
/// configured rates. Any other six-digit code follows ``BankBehavior``.
///
/// | code | effect |
/// | --- | --- |
/// | `000001` | 402 `voucher_error`, decline code `invalid_blik_code` |
/// | `000002` | 402 `voucher_error`, decline code `blik_code_expired` |
/// | `000003` | 402 `voucher_error`, decline code `blik_code_used` |
/// | `000004` | 402 `voucher_error`, decline code `insufficient_funds` |
/// | `000005` | 402 `voucher_error`, decline code `do_not_honor` |
/// | `000010` | accepted; the payer never confirms, the session expires after ``BankBehavior/payerGivesUpAfter`` |
/// | `000011` | accepted; confirmed late, after ``BankBehavior/lateCompletionDelay`` |
/// | `000012` | accepted and confirmed at once: pay answers `completed` |
/// | `000013` | accepted; the bank holds it until the test calls ``ConvergeGateSandbox/complete(sessionID:)`` or ``ConvergeGateSandbox/expire(sessionID:)`` |
/// | `000020` | pay answers 500 `api_error` and is not applied |
/// | `000021` | pay is applied, then its answer is held for the endpoint's ``EndpointChaos/timeoutDelay`` |
public enum MagicBLIKCode: String, Sendable, CaseIterable {
    /// Refused as `invalid_blik_code`.
    case invalid = "000001"
    /// Refused as `blik_code_expired`.
    case expired = "000002"
    /// Refused as `blik_code_used`.
    case used = "000003"
    /// Declined as `insufficient_funds`.
    case insufficientFunds = "000004"
    /// Declined as `do_not_honor`.
    case doNotHonor = "000005"
    /// The payer never confirms.
    case neverConfirm = "000010"
    /// The payer confirms late.
    case lateCompletion = "000011"
    /// Confirmed at once.
    case immediateCompletion = "000012"
    /// Held until the test decides.
    case hold = "000013"
    /// A server error, not applied.
    case serverError = "000020"
    /// Applied, then the answer is held back past the client's timeout.
    case acceptThenTimeout = "000021"
}
