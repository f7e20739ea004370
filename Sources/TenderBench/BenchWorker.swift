import ArgumentParser
import Foundation
import LibPQ
import Tender
import TenderPostgres
import TenderWorker

/// `tender bench worker`: an engine in a process of its own, for the scenarios that stop or kill a
/// worker. Optionally keeps payments in flight through a gateway that answers after a delay.
struct BenchWorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Runs one engine against a database until killed (used by the timers and recovery benchmarks).",
        shouldDisplay: false
    )

    @Option(help: "The database.")
    var databaseURL: String

    @Option(help: "The worker's id in task leases; a restarted worker keeps its id.")
    var workerID: String = "bench-worker"

    @Option(help: "Payments submitted per second while running.")
    var paymentsPerSecond: Double = 0

    @Option(help: "Milliseconds each gateway call takes.")
    var gatewayDelayMS: Int = 0

    func run() async throws {
        var configuration = EngineConfiguration()
        configuration.workerID = workerID
        let gateway = DelayedGateway(delay: .milliseconds(gatewayDelayMS))
        try await withBenchStack(url: databaseURL, gateway: gateway, engine: configuration) { stack in
            try await run(stack.engine)
        }
    }

    /// Runs `engine`, submitting payments at the configured rate, until killed.
    private func run(_ engine: PaymentEngine) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await engine.run() }
            if paymentsPerSecond > 0 {
                let interval = Duration.seconds(1 / paymentsPerSecond)
                group.addTask {
                    let customer = try Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski")
                    let amount = try Money(minorUnits: 1000, currency: .pln)
                    let code = try BLIKCode("777123")
                    while !Task.isCancelled {
                        let id = "flight-" + UUID.random().lowercasedString
                        _ = try await engine.submit(
                            paymentID: PaymentID(rawValue: id), amount: amount, customer: customer, code: code, idempotencyKey: id
                        )
                        try await Task.sleep(for: interval)
                    }
                }
            }
            _ = try await group.next()
        }
    }
}

/// ``InstantGateway`` answering after a delay, so that calls are in flight when a worker dies.
struct DelayedGateway: PaymentGateway {
    let delay: Duration
    private let instant = InstantGateway()

    var currencies: Set<Currency> { [.pln] }

    func createSession(_ request: SessionRequest, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        await pause()
        return try await instant.createSession(request, idempotencyKey: idempotencyKey)
    }

    func pay(sessionID: String, code: BLIKCode, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        await pause()
        return try await instant.pay(sessionID: sessionID, code: code, idempotencyKey: idempotencyKey)
    }

    func session(id: String) async throws(GatewayError) -> GatewaySession {
        await pause()
        return try await instant.session(id: id)
    }

    func refund(sessionID: String, amount: Int64?, reason: RefundReason, idempotencyKey: String) async throws(GatewayError) -> GatewayRefund {
        await pause()
        return try await instant.refund(sessionID: sessionID, amount: amount, reason: reason, idempotencyKey: idempotencyKey)
    }

    func refund(id: String) async throws(GatewayError) -> GatewayRefund {
        await pause()
        return try await instant.refund(id: id)
    }

    private func pause() async {
        if delay > .zero {
            try? await Task.sleep(for: delay)
        }
    }
}

/// A `tender bench worker` child process.
struct BenchWorkerProcess {
    let process: Process

    /// Starts a worker on `url`.
    static func start(url: String, workerID: String = "bench-worker", paymentsPerSecond: Double = 0, gatewayDelayMS: Int = 0) throws
        -> BenchWorkerProcess
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = [
            "bench", "worker", "--database-url", url, "--worker-id", workerID,
            "--payments-per-second", "\(paymentsPerSecond)", "--gateway-delay-ms", "\(gatewayDelayMS)",
        ]
        try process.run()
        return BenchWorkerProcess(process: process)
    }

    /// Sends a signal to the worker.
    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Kills the worker and waits for it.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}
