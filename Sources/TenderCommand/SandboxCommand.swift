import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import TenderSandbox
import UnixSignals

/// `tender sandbox`: runs the ConvergeGate and bank simulator as a standalone HTTP server.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run a simulator of the ConvergeGate API and the payer's bank.",
        discussion: """
            Serves the checkout-session API of convergegate-api.md, sends signed webhooks, and plays \
            the bank. The ledger is at GET /_sandbox/ledger; POST /_sandbox/sessions/{id}/complete \
            (or expire, hold, release) drives one session by hand. Magic BLIK codes: 000001 invalid, \
            000002 expired, 000003 used, 000004 insufficient funds, 000005 do not honor, 000010 never \
            confirmed, 000011 late, 000012 immediate, 000013 held, 000020 server error, 000021 applied \
            then timed out.
            """
    )

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port).")
    var port = 8089

    @Option(help: "The secret API key clients must present.")
    var secretKey: String

    @Option(help: "Where webhooks of sessions without a notification_url go.")
    var webhookURL: String?

    @Option(help: "Multiply every bank and webhook delay by this factor.")
    var timeScale = 1.0

    @Option(help: "Seed of the random decisions (default: random).")
    var seed: UInt64?

    @Flag(help: "Leave paid sessions open until completed or expired through /_sandbox.")
    var manualBank = false

    @Option(help: "Shortest confirmation delay, seconds.")
    var confirmMin = 40.0

    @Option(help: "Longest confirmation delay, seconds.")
    var confirmMax = 90.0

    @Option(help: "Share of codes refused as invalid_blik_code.")
    var invalidCodeRate = 0.0

    @Option(help: "Share of codes refused as blik_code_expired.")
    var expiredCodeRate = 0.0

    @Option(help: "Share of codes refused as blik_code_used.")
    var usedCodeRate = 0.0

    @Option(help: "Share of codes declined (insufficient_funds or do_not_honor).")
    var declineRate = 0.0

    @Option(help: "Share of payments confirmed at once (pay answers completed).")
    var immediateRate = 0.0

    @Option(help: "Share of payments never confirmed (the session expires).")
    var neverConfirmRate = 0.0

    @Option(help: "Share of payments confirmed late.")
    var lateRate = 0.0

    @Option(help: "Delay of a late confirmation, seconds.")
    var lateDelay = 180.0

    @Option(help: "Seconds after which an unconfirmed payment's session expires.")
    var payerGivesUpAfter = 120.0

    @Flag(help: "Do not send session.created.")
    var noCreatedEvent = false

    @Option(help: "Share of webhook events dropped.")
    var webhookDropRate = 0.0

    @Option(help: "Share of webhook events sent twice.")
    var webhookDuplicateRate = 0.0

    @Option(help: "Share of webhook events sent late.")
    var webhookDelayRate = 0.0

    @Option(help: "How late a delayed webhook event is, seconds.")
    var webhookExtraDelay = 15.0

    @Option(help: "Share of session.created events sent after the session's outcome.")
    var webhookReorderRate = 0.0

    @Option(help: "Share of requests answered 500 without being applied.")
    var serverErrorRate = 0.0

    @Option(help: "Share of requests delayed by --slow-delay.")
    var slowRate = 0.0

    @Option(help: "Delay of a slow request, seconds (real time).")
    var slowDelay = 2.0

    @Option(help: "Share of requests applied, then answered only after --timeout-delay.")
    var timeoutRate = 0.0

    @Option(help: "How long an applied-then-timed-out answer is held, seconds (real time).")
    var timeoutDelay = 30.0

    @Option(help: "Share of requests with an idempotency key answered 409 (key in use) without being applied.")
    var keyInUseRate = 0.0

    @Option(
        name: .customLong("chaos-endpoint"),
        help: "Endpoint the request chaos applies to (create, retrieve, pay, refund, retrieveRefund); repeatable; default all."
    )
    var chaosEndpoints: [String] = []

    @Option(help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel = "info"

    func validate() throws {
        guard self.confirmMin >= 0, self.confirmMax >= self.confirmMin else {
            throw ValidationError("--confirm-max must be at least --confirm-min, both non-negative.")
        }
        guard self.timeScale > 0 else { throw ValidationError("--time-scale must be positive.") }
        for name in self.chaosEndpoints where SandboxEndpoint(rawValue: name) == nil {
            throw ValidationError("Unknown endpoint \(name).")
        }
        guard Logger.Level(rawValue: self.logLevel) != nil else { throw ValidationError("Unknown log level \(self.logLevel).") }
    }

    func run() async throws {
        var logger = Logger(label: "tender.sandbox")
        logger.logLevel = Logger.Level(rawValue: self.logLevel) ?? .info
        let sandbox = ConvergeGateSandbox(configuration: self.sandboxConfiguration(), logger: logger)
        let services = ServiceGroup(
            configuration: .init(services: [sandbox], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            try await sandbox.waitUntilListening()
            // Unbuffered, so a script reading the URL from a pipe sees it at once.
            FileHandle.standardOutput.write(Data("ConvergeGate sandbox listening on \(await sandbox.baseURL)\n".utf8))
            try await group.waitForAll()
        }
    }

    private func sandboxConfiguration() -> SandboxConfiguration {
        let bank = BankBehavior(
            confirmationDelay: .uniform(.seconds(self.confirmMin) ... .seconds(self.confirmMax)),
            invalidCodeRate: self.invalidCodeRate,
            expiredCodeRate: self.expiredCodeRate,
            usedCodeRate: self.usedCodeRate,
            declineRate: self.declineRate,
            immediateCompletionRate: self.immediateRate,
            neverConfirmRate: self.neverConfirmRate,
            lateCompletionRate: self.lateRate,
            lateCompletionDelay: .fixed(.seconds(self.lateDelay)),
            payerGivesUpAfter: .seconds(self.payerGivesUpAfter)
        )
        let webhooks = WebhookChaos(
            sendsCreatedEvent: !self.noCreatedEvent,
            dropRate: self.webhookDropRate,
            duplicateRate: self.webhookDuplicateRate,
            delayRate: self.webhookDelayRate,
            extraDelay: .fixed(.seconds(self.webhookExtraDelay)),
            reorderRate: self.webhookReorderRate
        )
        let chaos = EndpointChaos(
            serverErrorRate: self.serverErrorRate,
            slowRate: self.slowRate,
            slowDelay: .fixed(.seconds(self.slowDelay)),
            acceptThenTimeoutRate: self.timeoutRate,
            timeoutDelay: .seconds(self.timeoutDelay),
            keyInUseRate: self.keyInUseRate
        )
        let targets = self.chaosEndpoints.isEmpty ? SandboxEndpoint.allCases : self.chaosEndpoints.compactMap(SandboxEndpoint.init(rawValue:))
        return SandboxConfiguration(
            secretKey: self.secretKey,
            host: self.host,
            port: self.port,
            webhookURL: self.webhookURL,
            bank: bank,
            webhooks: webhooks,
            endpoints: Dictionary(uniqueKeysWithValues: targets.map { ($0, chaos) }),
            timeScale: self.timeScale,
            seed: self.seed,
            manualBank: self.manualBank
        )
    }
}
