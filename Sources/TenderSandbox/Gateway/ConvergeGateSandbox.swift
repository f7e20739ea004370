import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle

/// A faithful simulator of ConvergeGate's checkout-session API and of the payer's bank, served
/// over real HTTP.
///
/// Run it as a `Service` in a `ServiceGroup`, or for a test with
/// ``withRunning(_:logger:_:)``. Point a client at ``baseURL``; read what happened with
/// ``ledger()``. See ``SandboxConfiguration`` for the knobs and ``MagicBLIKCode`` for the codes
/// that steer one payment.
///
/// A sandbox runs once: after ``run()`` returns it does not start again.
public actor ConvergeGateSandbox: Service {
    let configuration: SandboxConfiguration
    let logger: Logger
    let signer: WebhookSigner
    let livemode: Bool
    var generator: SeededGenerator

    var sessions: [String: CheckoutSession] = [:]
    var sessionOrder: [String] = []
    /// Open sessions and their `expire_at`, for the expiry sweep.
    var openExpiries: [String: Int] = [:]
    var refunds: [String: Refund] = [:]
    var refundOrder: [String] = []
    var charges: [SandboxLedger.Charge] = []
    var webhookEvents: [SandboxLedger.WebhookEvent] = []
    var webhookAttempts: [SandboxLedger.WebhookAttempt] = []
    var requestCounts: [SandboxEndpoint: Int] = [:]
    var idempotency = IdempotencyStore()
    /// Deliveries held back (per session) until the session's next event has been sent.
    var heldDeliveries: [String: [(delivery: WebhookDelivery, delay: Duration)]] = [:]

    private let jobs: AsyncStream<SandboxJob>
    private let jobSink: AsyncStream<SandboxJob>.Continuation
    private var listeningPort: Int?
    private var stopped = false
    private var serverFailure: (any Error)?
    private var listeningWaiters: [CheckedContinuation<Void, any Error>] = []

    /// Creates a sandbox; it listens once ``run()`` is running.
    public init(configuration: SandboxConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.signer = WebhookSigner(secretKey: configuration.secretKey)
        self.livemode = configuration.secretKey.hasPrefix("sk_live_")
        self.generator = SeededGenerator(seed: configuration.seed ?? UInt64.random(in: .min ... .max))
        (self.jobs, self.jobSink) = AsyncStream.makeStream(of: SandboxJob.self)
    }

    /// The URL clients use, e.g. `http://127.0.0.1:54321`; the bound port once listening, the
    /// configured one before.
    public var baseURL: String {
        "http://\(self.configuration.host):\(self.listeningPort ?? self.configuration.port)"
    }

    /// Starts a sandbox, waits until it listens, runs `body` with it, and shuts it down.
    public static func withRunning<T: Sendable>(
        _ configuration: SandboxConfiguration,
        logger: Logger,
        _ body: (ConvergeGateSandbox) async throws -> T
    ) async throws -> T {
        let sandbox = ConvergeGateSandbox(configuration: configuration, logger: logger)
        let serviceGroup = ServiceGroup(configuration: .init(services: [sandbox], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await serviceGroup.run() }
            do {
                try await sandbox.waitUntilListening()
                let result = try await body(sandbox)
                await serviceGroup.triggerGracefulShutdown()
                try await group.waitForAll()
                return result
            } catch {
                await serviceGroup.triggerGracefulShutdown()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    /// Waits until the sandbox listens; throws ``SandboxError/Code/notRunning`` if it stopped or
    /// could not start.
    public func waitUntilListening() async throws {
        if self.stopped { throw SandboxError(code: .notRunning) }
        if self.listeningPort != nil { return }
        try await withCheckedThrowingContinuation { continuation in
            self.listeningWaiters.append(continuation)
        }
    }

    /// Serves the API and runs the bank and webhook timers until cancelled or shut down
    /// gracefully (a graceful shutdown drops the timers still waiting and answers held requests
    /// at once).
    public func run() async throws {
        let application = Application(
            router: SandboxRouter.make(sandbox: self),
            configuration: ApplicationConfiguration(
                address: .hostname(self.configuration.host, port: self.configuration.port),
                serverName: "ConvergeGateSandbox"
            ),
            onServerRunning: { channel in
                await self.didStartListening(port: channel.localAddress?.port)
            },
            logger: self.logger
        )
        var clientFailure: (any Error)?
        do {
            try await HTTPClient.withHTTPClient { client in
                try await withThrowingDiscardingTaskGroup { group in
                    group.addTask {
                        do {
                            try await application.run()
                            await self.serverStopped(nil)
                        } catch {
                            await self.serverStopped(error)
                        }
                    }
                    await self.runTimers(client: client)
                }
            }
        } catch {
            clientFailure = error
        }
        self.stop()
        if let failure = self.serverFailure ?? clientFailure { throw failure }
    }

    /// Runs scheduled jobs as child tasks until graceful shutdown, cancellation, or the server
    /// stopping; then cancels the jobs still waiting.
    private func runTimers(client: HTTPClient) async {
        await withDiscardingTaskGroup { group in
            if !self.configuration.manualBank {
                group.addTask { await self.sweepExpiredSessions() }
            }
            for await job in self.jobs.cancelOnGracefulShutdown() {
                group.addTask {
                    do {
                        try await Task.sleep(for: job.delay)
                    } catch {
                        return
                    }
                    await self.perform(job.kind, client: client)
                }
            }
            group.cancelAll()
        }
    }

    private func didStartListening(port: Int?) {
        self.listeningPort = port ?? self.configuration.port
        self.logger.info("ConvergeGate sandbox listening", metadata: ["url": "\(self.baseURL)"])
        for waiter in self.listeningWaiters { waiter.resume() }
        self.listeningWaiters = []
    }

    private func serverStopped(_ error: (any Error)?) {
        if let error {
            self.logger.error("ConvergeGate sandbox server failed", metadata: ["error": "\(error)"])
            self.serverFailure = error
        }
        self.jobSink.finish()
    }

    private func stop() {
        self.stopped = true
        self.jobSink.finish()
        for waiter in self.listeningWaiters { waiter.resume(throwing: SandboxError(code: .notRunning)) }
        self.listeningWaiters = []
    }

    /// Schedules `kind` to run after `delay` (already scaled).
    func schedule(_ kind: SandboxJob.Kind, after delay: Duration) {
        self.jobSink.yield(SandboxJob(kind: kind, delay: delay))
    }

    /// `delay` multiplied by the configured time scale.
    func scaled(_ delay: Duration) -> Duration {
        delay.scaled(by: self.configuration.timeScale)
    }

    private func perform(_ kind: SandboxJob.Kind, client: HTTPClient) async {
        switch kind {
        case .confirm(let sessionID, let generation):
            self.bankConfirms(sessionID: sessionID, generation: generation)
        case .abandon(let sessionID, let generation):
            self.payerGivesUp(sessionID: sessionID, generation: generation)
        case .settleRefund(let refundID):
            self.settleRefund(refundID: refundID)
        case .deliver(let delivery):
            await self.attempt(delivery, client: client)
        }
    }

    /// Expires open sessions whose `expire_at` has passed, a few times a second.
    private func sweepExpiredSessions() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(200))
            self.expireDueSessions()
        }
    }
}
