/// Everything a ``ConvergeGateSandbox`` does, in one value.
///
/// The sandbox implements `convergegate-api.md`: checkout sessions, BLIK pay, refunds, signed
/// webhooks, errors and idempotency keys, over real HTTP. Around that it plays the payer's bank
/// and an unreliable network, driven by these knobs:
///
/// - ``bank``: how long payers take to confirm, how many codes are refused, declined, never
///   confirmed or confirmed late (see ``BankBehavior``);
/// - ``webhooks``: dropped, duplicated, delayed and reordered events, and the retry policy (see
///   ``WebhookChaos``);
/// - ``endpoints``: per endpoint, server errors, slow answers and answers held past the client's
///   timeout after the call was applied (see ``EndpointChaos``);
/// - ``timeScale``: every bank and webhook delay is multiplied by it, so a test can run a
///   90-second confirmation in 90 ms with `timeScale: 0.001`;
/// - ``seed``: the decisions of one run repeat with the same seed;
/// - ``manualBank``: nothing happens after a pay until the test says so.
///
/// One pay call can be steered exactly with a ``MagicBLIKCode`` (`000001` invalid code, `000004`
/// insufficient funds, `000010` never confirmed, `000011` late, `000012` immediate, `000013` held,
/// `000020` server error, `000021` applied then timed out, …); tests can also drive a session by
/// hand with ``ConvergeGateSandbox/complete(sessionID:)``,
/// ``ConvergeGateSandbox/expire(sessionID:)``, ``ConvergeGateSandbox/hold(sessionID:)`` and
/// ``ConvergeGateSandbox/deliverWebhook(sessionID:type:)``.
public struct SandboxConfiguration: Sendable {
    /// The secret API key clients must present (basic auth user name or bearer token).
    /// `sk_live_…` keys mark objects `livemode: true`.
    public var secretKey: String
    /// The address to listen on. Default `127.0.0.1`.
    public var host: String
    /// The port to listen on; 0 picks any free port (read it from
    /// ``ConvergeGateSandbox/baseURL``). Default 0.
    public var port: Int
    /// Where webhooks of sessions without a `notification_url` go. Default none: such events are
    /// recorded in the ledger but not sent.
    public var webhookURL: String?
    /// The payer's bank.
    public var bank: BankBehavior
    /// Webhook delivery.
    public var webhooks: WebhookChaos
    /// Misbehaviour per endpoint; endpoints not listed behave well.
    public var endpoints: [SandboxEndpoint: EndpointChaos]
    /// The factor every bank and webhook delay is multiplied by (1 = real time). Endpoint delays
    /// and a session's `expire_at` stay real time. Default 1.
    public var timeScale: Double
    /// The seed of the generator behind every random decision; `nil` picks one at random.
    /// Identifiers are always random, so two runs never hand out the same session id.
    public var seed: UInt64?
    /// When `true`, an accepted pay leaves the session `open` until the test calls
    /// ``ConvergeGateSandbox/complete(sessionID:)`` or ``ConvergeGateSandbox/expire(sessionID:)``,
    /// and sessions do not expire by themselves (refunds still settle). Default `false`.
    public var manualBank: Bool

    /// Creates a configuration; apart from the key, the defaults are a well-behaved gateway with
    /// a bank whose payers confirm in 40–90 s.
    public init(
        secretKey: String,
        host: String = "127.0.0.1",
        port: Int = 0,
        webhookURL: String? = nil,
        bank: BankBehavior = BankBehavior(),
        webhooks: WebhookChaos = WebhookChaos(),
        endpoints: [SandboxEndpoint: EndpointChaos] = [:],
        timeScale: Double = 1,
        seed: UInt64? = nil,
        manualBank: Bool = false
    ) {
        self.secretKey = secretKey
        self.host = host
        self.port = port
        self.webhookURL = webhookURL
        self.bank = bank
        self.webhooks = webhooks
        self.endpoints = endpoints
        self.timeScale = timeScale
        self.seed = seed
        self.manualBank = manualBank
    }

    /// The chaos configured for `endpoint`.
    func chaos(for endpoint: SandboxEndpoint) -> EndpointChaos {
        self.endpoints[endpoint] ?? .none
    }
}
