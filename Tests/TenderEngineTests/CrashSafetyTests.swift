import EphemeralPostgres
import Foundation
import Tender
import TenderSandbox
import TenderTestKit
import Testing

extension ManyPayments {
    /// Engines stopped without any cleanup, at random moments, while payments are under way.
    @Suite("Crash safety")
    struct CrashSafetyTests {
        /// The bank at a hundredth of real time: payers confirm in 0.4–0.9 s, give up after 1.2 s;
        /// a fifth of the webhooks is lost and a tenth arrives twice.
        static let chaoticGateway = SandboxConfiguration(
            secretKey: "",
            webhooks: WebhookChaos(dropRate: 0.2, duplicateRate: 0.1),
            timeScale: 0.01
        )

        /// A minute to confirm — room for four crashes and their lapsed leases on any machine — and
        /// polls every second. The gateway stops taking
        /// payment a second after the deadline and grace polls go on for four, so the last of them
        /// sees every session's final status.
        static var policy: AttemptPolicy {
            var policy = AttemptPolicy.fastForTests
            policy.confirmationWindow = .seconds(60)
            policy.firstPollDelay = .seconds(1)
            policy.pollInterval = .seconds(1)
            policy.sessionLifetimeBeyondDeadline = .seconds(1)
            policy.gracePeriod = .seconds(4)
            policy.gracePollInterval = .milliseconds(500)
            return policy
        }

        /// 500 codes: a tenth declined, a tenth never confirmed, the rest confirmed by the bank.
        static let codes: [String] = (0..<500).map { index in
            switch index % 10 {
            case 0: index % 20 == 0 ? "000004" : "000005"
            case 1: "000010"
            default: String(format: "%06d", 100_000 + index)
            }
        }

        @Test(.timeLimit(.minutes(10)))
        func enginesCancelledAtRandomMomentsLoseNothingRepeatNothingAndInventNothing() async throws {
            try await EngineRig.run(sandbox: Self.chaoticGateway, policy: Self.policy) { rig in
                let (batches, submitted) = AsyncStream.makeStream(of: [Attempt].self)
                let submission = Task { try await Self.submitInBatches(Self.codes, to: rig, announcingTo: submitted) }
                let orderSystem = Task { try await Self.actAsOrderSystem(on: batches, rig: rig) }
                // Four engines in turn, each cancelled at a random moment with its calls and leases in
                // whatever state they are; the next one takes over the leases that lapse.
                var lifetimes: [Duration] = []
                for generation in 0..<4 {
                    let engine = rig.engine(workerID: "crashing-\(generation)", leaseDuration: .milliseconds(1500))
                    let lifetime = Duration.milliseconds(Int.random(in: 300...2000))
                    lifetimes.append(lifetime)
                    rig.webhooks.use([engine])
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask { try await engine.run() }
                        try await Task.sleep(for: lifetime)
                        group.cancelAll()
                    }
                    rig.webhooks.use([])
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...400)))
                }
                let attempts = try await submission.value
                let survivor = rig.engine(workerID: "survivor", leaseDuration: .milliseconds(1500))
                rig.webhooks.use([survivor])
                let actions = try await withServices([survivor], logger: rig.logger) {
                    let actions = try await orderSystem.value
                    try await rig.waitUntilSettled()
                    return actions
                }
                rig.webhooks.use([])

                let audit = try await LedgerAudit.read(store: rig.store, sandbox: rig.sandbox, gatewayLog: rig.gatewayLog)
                #expect(audit.attempts.count == Self.codes.count)
                let violations = audit.violations()
                #expect(violations.isEmpty, "engine lifetimes \(lifetimes): \(violations.prefix(20).joined(separator: "\n"))")
                // And every attempt ended as its code says: the crashes cost time, never an outcome.
                let misjudged = Self.misjudged(audit, attempts: attempts, canceled: actions.canceled)
                #expect(misjudged.isEmpty, "\(misjudged.prefix(10))")
                try await Self.checkOrderSystem(actions, attempts: attempts, rig: rig)
            }
        }

        /// `tender worker` processes killed with SIGKILL — no shutdown of any kind — while the same 500
        /// payments come in. The worker runs with its default policy and 30-second leases: the tasks a
        /// killed worker held wait for their leases to lapse, then the next worker repeats them.
        @Test(.timeLimit(.minutes(10)))
        func workersKilledWithSIGKILLAtRandomMomentsLoseNothingRepeatNothingAndInventNothing() async throws {
            try await EngineRig.run(sandbox: Self.chaoticGateway, policy: AttemptPolicy()) { rig in
                let port = try FreePort.pick()
                let log = FileManager.default.temporaryDirectory.appendingPathComponent("tender-killed-workers-\(UUID().uuidString).log")
                defer { try? FileManager.default.removeItem(at: log) }
                let gatewayURL = await rig.sandbox.baseURL
                func worker(_ name: String) throws -> TenderProcess {
                    try TenderProcess(
                        ["worker"],
                        environment: [
                            "TENDER_DATABASE_URL": rig.databaseURL,
                            "TENDER_GATEWAY_URL": gatewayURL,
                            "TENDER_GATEWAY_SECRET_KEY": EngineHarness.secretKey,
                            "TENDER_HTTP_PORT": "\(port)",
                            "TENDER_WEBHOOK_URL": "http://127.0.0.1:\(port)/webhooks/convergegate",
                            "TENDER_WORKER_ID": name,
                            "TENDER_LOG_LEVEL": "warning",
                        ], appendingOutputTo: log)
                }

                let (batches, submitted) = AsyncStream.makeStream(of: [Attempt].self)
                let submission = Task { try await Self.submitInBatches(Self.codes, to: rig, announcingTo: submitted) }
                let orderSystem = Task { try await Self.actAsOrderSystem(on: batches, rig: rig) }
                // Three workers in turn, each killed at a random moment. Webhooks sent while none
                // listens fail and are delivered again by the gateway.
                var lifetimes: [Duration] = []
                for generation in 0..<3 {
                    let killed = try worker("killed-\(generation)")
                    let lifetime = Duration.milliseconds(Int.random(in: 1000...3000))
                    lifetimes.append(lifetime)
                    try await Task.sleep(for: lifetime)
                    killed.signal(SIGKILL)
                    _ = try await killed.exitStatus()
                }
                let attempts = try await submission.value
                let survivorStarted = Date()
                let survivor = try worker("survivor")
                let actions = try await orderSystem.value
                try await rig.waitUntilSettled(tasksMayRemain: true)
                try await Self.waitUntilPayersDecided(actions.canceled, rig: rig)
                _ = try await survivor.terminate(timeout: .seconds(300))

                // Expired attempts keep their (15-minute) grace polls; the audit holds regardless,
                // because their sessions expired at the gateway.
                let audit = try await LedgerAudit.read(store: rig.store, sandbox: rig.sandbox, gatewayLog: nil)
                #expect(audit.attempts.count == Self.codes.count)
                let violations = audit.violations()
                let output = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
                #expect(violations.isEmpty, "worker lifetimes \(lifetimes): \(violations.prefix(20).joined(separator: "\n"))\n\(output.suffix(3000))")
                let misjudged = Self.misjudged(audit, attempts: attempts, canceled: actions.canceled)
                #expect(misjudged.isEmpty, "\(misjudged.prefix(10))")
                try await Self.checkOrderSystem(actions, attempts: attempts, rig: rig)
                // The killed workers had opened sessions before they died.
                #expect(audit.ledger.sessions.contains { $0.createdAt < survivorStarted })
            }
        }

        /// The attempts that did not end as their code makes the bank decide: declined codes fail,
        /// abandoned ones expire, the others complete. Attempts the order system canceled are left
        /// to ``checkOrderSystem(_:attempts:rig:)``.
        static func misjudged(_ audit: LedgerAudit, attempts: [Attempt], canceled: Set<PaymentID>) -> [String] {
            let codes = Dictionary(uniqueKeysWithValues: zip(attempts.map(\.id), Self.codes))
            let canceledAttempts = Set(attempts.filter { canceled.contains($0.paymentID) }.map(\.id))
            return audit.attempts.filter { !canceledAttempts.contains($0.id) }.compactMap { attempt in
                let expected: AttemptState =
                    switch codes[attempt.id] {
                    case "000004", "000005": .failed
                    case "000010": .expired
                    default: .completed
                    }
                return attempt.state == expected ? nil : "\(attempt.id) is \(attempt.state.rawValue), not \(expected.rawValue)"
            }
        }

        /// What the order system did during a run.
        struct OrderSystemActions: Sendable {
            /// Payments canceled while in flight.
            var canceled: Set<PaymentID> = []
            /// Payments refunded in full, in one refund or in two.
            var refunded: Set<PaymentID> = []
        }

        /// The order system, while the engines crash: among the first 200 codes, it cancels the
        /// payments of those ending in 2 as soon as they are submitted (unless already paid), refunds
        /// those ending in 3 in full and those ending in 4 in two refunds (3.00, then the rest) as
        /// soon as they are paid. It looks at each batch of attempts as it is submitted, so its
        /// cancels find payments in flight however fast the engines are. It calls an engine of its
        /// own that never runs, as an order system embedding Tender beside the workers would.
        static func actAsOrderSystem(on batches: AsyncStream<[Attempt]>, rig: EngineRig) async throws -> OrderSystemActions {
            let engine = rig.engine(workerID: "order-system")
            var actions = OrderSystemActions()
            var waiting: [(index: Int, attempt: Attempt)] = []
            var submitted = 0
            for await batch in batches {
                waiting += zip(submitted..., batch).filter { $0.0 < 200 && [2, 3, 4].contains($0.0 % 10) }.map { ($0, $1) }
                submitted += batch.count
                waiting = try await act(on: waiting, engine: engine, rig: rig, actions: &actions)
            }
            let clock = ContinuousClock()
            let giveUp = clock.now + .seconds(300)
            while !waiting.isEmpty, clock.now < giveUp {
                try await Task.sleep(for: .milliseconds(50))
                waiting = try await act(on: waiting, engine: engine, rig: rig, actions: &actions)
            }
            return actions
        }

        /// One look of the order system at the attempts it waits on; returns those it still waits on.
        private static func act(
            on waiting: [(index: Int, attempt: Attempt)], engine: PaymentEngine, rig: EngineRig, actions: inout OrderSystemActions
        ) async throws -> [(index: Int, attempt: Attempt)] {
            var still: [(index: Int, attempt: Attempt)] = []
            for (index, attempt) in waiting {
                let state = try await rig.store.attempt(attempt.id)?.state ?? .submitted
                switch (index % 10, state) {
                case (2, .submitted), (2, .awaitingConfirmation):
                    do {
                        _ = try await engine.cancel(paymentID: attempt.paymentID)
                        actions.canceled.insert(attempt.paymentID)
                    } catch let error as StoreError where error.code == .paymentCompleted {
                        // Paid before the cancel arrived: nothing to cancel.
                    }
                case (3, .completed):
                    _ = try await engine.refund(paymentID: attempt.paymentID, idempotencyKey: "full-\(attempt.id)")
                    actions.refunded.insert(attempt.paymentID)
                case (4, .completed):
                    _ = try await engine.refund(paymentID: attempt.paymentID, amount: 300, idempotencyKey: "part-\(attempt.id)")
                    _ = try await engine.refund(paymentID: attempt.paymentID, idempotencyKey: "rest-\(attempt.id)")
                    actions.refunded.insert(attempt.paymentID)
                case (_, .submitted), (_, .awaitingConfirmation):
                    still.append((index, attempt))
                default:
                    break
                }
            }
            return still
        }

        /// Waits until the payers of canceled payments have had their last word, so that what the
        /// audit reads no longer changes: every session of a canceled attempt is final at the gateway
        /// (paid, or expired at the attempt's deadline), Tender has completed each one paid, and its
        /// refund is final. A payer may confirm after the cancel; the watching worker then learns
        /// of it by webhook or grace poll, at a moment no test chooses.
        static func waitUntilPayersDecided(_ canceled: Set<PaymentID>, rig: EngineRig) async throws {
            let decided = try await waitUntil(timeout: .seconds(300), every: .milliseconds(200)) {
                let sessions = Dictionary(await rig.sandbox.ledger().sessions.map { ($0.id, $0.status) }, uniquingKeysWith: { first, _ in first })
                for paymentID in canceled {
                    guard let attempt = try await rig.store.payment(paymentID)?.attempts.last, let sessionID = attempt.sessionID else { continue }
                    switch sessions[sessionID] {
                    case .open?: return false
                    case .completed? where attempt.state != .completed: return false
                    default: continue
                    }
                }
                return try await rig.isSettled(tasksMayRemain: true)
            }
            #expect(decided, "the sessions of canceled payments did not become final")
        }

        /// Every refunded payment got its money back in full, at the gateway too; every canceled
        /// payment either stayed unpaid or, paid anyway, was refunded in full.
        static func checkOrderSystem(_ actions: OrderSystemActions, attempts: [Attempt], rig: EngineRig) async throws {
            #expect(actions.refunded.count > 20, "the order system refunded \(actions.refunded.count) payments")
            #expect(!actions.canceled.isEmpty, "the order system canceled nothing")
            let ledger = await rig.sandbox.ledger()
            for paymentID in actions.refunded.union(actions.canceled) {
                let record = try #require(try await rig.store.payment(paymentID))
                let attempt = try #require(record.attempts.last)
                let session = ledger.sessions.first { $0.id == attempt.sessionID }
                let returned = ledger.refunds.filter { $0.sessionID == attempt.sessionID && $0.status == .succeeded }.map(\.amount).reduce(0, +)
                if actions.refunded.contains(paymentID) || attempt.state == .completed {
                    #expect(record.refundedAmount == 1000, "payment \(paymentID): \(record.refundedAmount) refunded")
                    #expect(returned == 1000, "payment \(paymentID): the gateway returned \(returned)")
                } else {
                    #expect(attempt.state == .canceled, "payment \(paymentID) is \(attempt.state.rawValue)")
                    #expect(session?.status != .completed, "canceled payment \(paymentID) was charged")
                }
            }
        }

        /// Submits `codes` 50 at a time, 200 ms apart, as orders come in, announcing each batch's
        /// attempts to `submitted`, which it finishes when it returns or throws.
        static func submitInBatches(_ codes: [String], to rig: EngineRig, announcingTo submitted: AsyncStream<[Attempt]>.Continuation)
            async throws -> [Attempt]
        {
            defer { submitted.finish() }
            var attempts: [Attempt] = []
            for batch in codes.chunked(into: 50) {
                let batchAttempts = try await rig.submit(codes: Array(batch))
                submitted.yield(batchAttempts)
                attempts += batchAttempts
                try await Task.sleep(for: .milliseconds(200))
            }
            return attempts
        }
    }
}

extension Array {
    /// The array cut into consecutive pieces of at most `size` elements.
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
