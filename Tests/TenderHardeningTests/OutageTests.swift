import AsyncHTTPClient
import EphemeralPostgres
import Foundation
import LibPQ
import Logging
import NIOConcurrencyHelpers
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// PostgreSQL stopped (`pg_ctl stop -m immediate`) and started again twice under 500 payments in
/// flight, each time staying down until the worker has been seen answering 503.
@Suite("Database outages", .heavy)
struct OutageTests {
    /// One answer of the worker seen from outside while the database restarted.
    struct Probe: Sendable {
        var route: String
        var status: Int
        var restart: Int
        var eventID: String?
    }

    /// Polls `/readyz` and posts signed webhooks (for sessions nobody owns) until cancelled,
    /// recording each answer with the restart going on (0 when none).
    static func probe(_ base: String, restart: NIOLockedValueBox<Int>, into probes: NIOLockedValueBox<[Probe]>) async {
        var n = 0
        while !Task.isCancelled {
            n += 1
            let phase = restart.withLockedValue { $0 }
            var readiness = HTTPClientRequest(url: "\(base)/readyz")
            readiness.method = .GET
            let ready = try? await HTTPClient.shared.execute(readiness, timeout: .seconds(5))
            probes.withLockedValue { $0.append(Probe(route: "readyz", status: Int(ready?.status.code ?? 0), restart: phase)) }

            let eventID = "evt_probe_\(n)_\(UUID().uuidString.prefix(8))"
            let body = Array(#"{"id":"\#(eventID)","type":"checkout.session.completed","data":{"session_id":"cs_probe_\#(n)"}}"#.utf8)
            let timestamp = String(Int(Date().timeIntervalSince1970))
            var webhook = HTTPClientRequest(url: "\(base)/webhooks/convergegate")
            webhook.method = .POST
            webhook.headers.add(name: "Sec-Timestamp", value: timestamp)
            webhook.headers.add(name: "Sec-Signature", value: webhookSignature(secretKey: LiveStack.secretKey, timestamp: timestamp, body: body))
            webhook.body = .bytes(body)
            let answer = try? await HTTPClient.shared.execute(webhook, timeout: .seconds(5))
            let phaseAfter = restart.withLockedValue { $0 }
            probes.withLockedValue {
                $0.append(Probe(route: "webhook", status: Int(answer?.status.code ?? 0), restart: max(phase, phaseAfter), eventID: eventID))
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test(
        "500 payments survive two immediate restarts of PostgreSQL: outcomes match the ledger, acknowledged webhooks are processed, no deadline fires twice"
    )
    func paymentsSurviveRestarts() async throws {
        // Fast, but a commit the client saw is durable against a crash of the server (not of the
        // machine): `synchronous_commit = off` would lose the last commits on `-m immediate`.
        var configuration = EphemeralPostgres.Configuration.fast
        configuration.settings["synchronous_commit"] = "on"
        let server = try await EphemeralPostgres.start(configuration)
        do {
            try await Self.run(on: server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    private static func run(on server: EphemeralPostgres) async throws {
        let databaseURL = try await server.createDatabase("outage")
        let capture = LogCapture()
        var bank = BankBehavior(confirmationDelay: .uniform(.milliseconds(100) ... .milliseconds(2_500)), declineRate: 0.05, neverConfirmRate: 0.05)
        bank.immediateCompletionRate = 0.1
        let sandbox = SandboxConfiguration(secretKey: LiveStack.secretKey, bank: bank, seed: 42)

        try await LiveStack.run(
            databaseURL: databaseURL, sandbox: sandbox, token: "outage-token-8c1f4e9a",
            logger: { label in
                label == "tender.sandbox" ? .silent : capture.logger(label: label)
            }
        ) { stack in
            var attempts: [AttemptID] = []
            for n in 0..<500 {
                let attempt = try await stack.engine.submit(
                    paymentID: PaymentID(rawValue: "outage-\(n)"), amount: Money(minorUnits: Int64(1_000 + n), currency: .pln),
                    customer: Customer(email: "payer\(n)@example.com", firstName: "Jan", lastName: "Kowalski"),
                    code: BLIKCode(String(100_000 + n * 7)), idempotencyKey: "outage-key-\(n)"
                ).attempt
                attempts.append(attempt.id)
            }

            // Two restarts while the payments are in flight, with the routes probed throughout.
            let restart = NIOLockedValueBox(0)
            let probes = NIOLockedValueBox<[Probe]>([])
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { await Self.probe(stack.baseURL, restart: restart, into: probes) }
                for round in 1...2 {
                    try await Task.sleep(for: .milliseconds(700))
                    restart.withLockedValue { $0 = round }
                    // Down until the worker has been seen answering readiness and a webhook with a
                    // 503, however long a busy machine takes to probe it.
                    try await server.restart(mode: "immediate") {
                        let seen = try await waitUntil(timeout: .seconds(120), every: .milliseconds(20)) {
                            let during = probes.withLockedValue { $0 }.filter { $0.restart == round }
                            return during.contains { $0.route == "readyz" && $0.status == 503 }
                                && during.contains { $0.route == "webhook" && (500..<600).contains($0.status) }
                        }
                        #expect(seen, "restart \(round): waiting for a 503 from readiness and from the webhook route")
                    }
                    try await Task.sleep(for: .milliseconds(300))
                    restart.withLockedValue { $0 = 0 }
                }
                try await Task.sleep(for: .milliseconds(500))
                group.cancelAll()
            }

            // Everything settles: every attempt final, no task left but the ones of finished work.
            let settled = try await stack.waitUntil(timeout: .seconds(300)) {
                try await count("SELECT count(*) FROM attempts WHERE state NOT IN ('completed', 'failed', 'expired')", on: stack.pool) == 0
            }
            #expect(settled, "attempts still open after the outage")
            _ = try await stack.waitUntil(timeout: .seconds(120)) {
                try await count("SELECT count(*) FROM tasks", on: stack.pool) == 0
            }

            // Each outcome is what the gateway's ledger says.
            let ledger = await stack.sandbox.ledger()
            let charged = Dictionary(grouping: ledger.charges, by: \.sessionID)
            let refunded = Set(ledger.refunds.map(\.sessionID))
            var mismatches: [String] = []
            for id in attempts {
                let attempt = try #require(try await stack.store.attempt(id))
                let paid = attempt.sessionID.map { charged[$0] != nil && !refunded.contains($0) } ?? false
                if (attempt.state == .completed) != paid {
                    mismatches.append("\(id): \(attempt.state.rawValue), ledger paid: \(paid)")
                }
                if let session = attempt.sessionID, (charged[session]?.count ?? 0) > 1 {
                    mismatches.append("\(id): charged \(charged[session]?.count ?? 0) times")
                }
            }
            #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
            #expect(ledger.charges.count > 100, "too few payments completed for the test to mean anything")

            // No money the engine does not know of: every charge is on a session an attempt holds.
            let heldSessions = Set(
                try await stack.pool.query("SELECT session_id FROM attempts WHERE session_id IS NOT NULL")
                    .map { try $0.decode(String.self, at: 0) })
            let unknownCharges = ledger.charges.filter { !heldSessions.contains($0.sessionID) }
            #expect(unknownCharges.isEmpty, "charged sessions no attempt holds: \(unknownCharges.prefix(5))")

            // Every webhook the gateway saw acknowledged is stored. One about a session an attempt
            // holds was applied in the transaction that stored it. One about a session no attempt
            // holds stays parked: that session was opened by a create call whose answer could not be
            // recorded before its attempt's deadline (the database was down), so the attempt expired
            // without it; such a session was never paid, and there are no more of them than attempts
            // that ended without a session.
            let acknowledged = Set(ledger.webhookAttempts.filter(\.succeeded).map(\.eventID))
            let inbox = try await stack.pool.query(
                """
                SELECT i.event_id, i.type, i.session_id, i.processed_at IS NOT NULL, a.id IS NOT NULL FROM webhook_inbox i
                LEFT JOIN attempts a ON a.session_id = i.session_id
                """)
            var stored: [String: StoredWebhook] = [:]
            for row in inbox {
                stored[try row.decode(String.self, at: 0)] = StoredWebhook(
                    type: try row.decode(String.self, at: 1), sessionID: try row.decode(String.self, at: 2),
                    processed: try row.decode(Bool.self, at: 3), held: try row.decode(Bool.self, at: 4)
                )
            }
            let lost = acknowledged.filter { stored[$0] == nil }
            let unapplied = acknowledged.filter { stored[$0].map { $0.held && !$0.processed } ?? false }
            let parked = acknowledged.compactMap { stored[$0] }.filter { !$0.held }
            let orphanSessions = Set(parked.map(\.sessionID))
            let paidOrphans = orphanSessions.filter { id in
                ledger.session(id).map { $0.acceptedPayCalls > 0 || $0.status == .completed } ?? true
            }
            let sessionless = try await count("SELECT count(*) FROM attempts WHERE session_id IS NULL", on: stack.pool)
            #expect(lost.isEmpty, "acknowledged but not stored: \(lost.prefix(5))")
            #expect(unapplied.isEmpty, "acknowledged, about a session an attempt holds, but not applied: \(unapplied.prefix(5))")
            #expect(paidOrphans.isEmpty, "paid sessions no attempt holds: \(paidOrphans.prefix(5))")
            #expect(orphanSessions.count <= sessionless, "\(orphanSessions.count) sessions no attempt holds, \(sessionless) attempts without one")
            #expect(acknowledged.count > 100)
            print(
                """
                outage webhooks: \(acknowledged.count) acknowledged, \(parked.count) parked \
                (\(Dictionary(grouping: parked, by: \.type).mapValues(\.count))) for \(orphanSessions.count) sessions no attempt holds; \
                \(sessionless) attempts ended without a session
                """)

            // No deadline fired twice; every history is gapless and ends at the attempt's version.
            #expect(
                try await count(
                    """
                    SELECT count(*) FROM (SELECT attempt_id FROM attempt_history WHERE input = 'deadline_reached'
                    GROUP BY attempt_id HAVING count(*) > 1) twice
                    """, on: stack.pool) == 0)
            #expect(
                try await count(
                    """
                    SELECT count(*) FROM (SELECT attempt_id FROM attempt_history WHERE to_state = 'expired' AND from_state IS DISTINCT FROM 'expired'
                    GROUP BY attempt_id HAVING count(*) > 1) twice
                    """, on: stack.pool) == 0)
            #expect(
                try await count(
                    """
                    SELECT count(*) FROM attempts a JOIN (
                        SELECT attempt_id, count(*) AS n, min(version) AS lo, max(version) AS hi FROM attempt_history GROUP BY attempt_id
                    ) h ON h.attempt_id = a.id WHERE h.hi - h.lo + 1 <> h.n OR h.hi <> a.version
                    """, on: stack.pool) == 0)

            // From outside: readiness only ever said 200 or 503 (or nothing within 5 s, on a loaded
            // machine); a webhook answered 2xx, at any time, was stored.
            let seen = probes.withLockedValue { $0 }
            #expect(seen.filter { $0.route == "readyz" }.allSatisfy { [0, 200, 503].contains($0.status) }, "\(Self.summary(seen))")
            let acceptedProbes = seen.filter { $0.route == "webhook" && (200..<300).contains($0.status) }.compactMap(\.eventID)
            #expect(acceptedProbes.allSatisfy { stored[$0] != nil }, "a probe answered 2xx was not stored")
            // 0: no answer within 5 s (a loaded machine); never a refusal of a well-signed event.
            #expect(seen.filter { $0.route == "webhook" }.allSatisfy { [0, 200, 503].contains($0.status) }, "\(Self.summary(seen))")
            let probeSummary = Self.summary(seen)
            print("outage probes: \(probeSummary)")

            // Logged once per outage: the engine, the pool and the listener warn when it starts and
            // say when it ended, not once per failed sweep, claim, task or connection.
            let lines = capture.all
            let engineWarnings = lines.filter { $0.hasPrefix("warning") && $0.contains("the store is unavailable") }.count
            let engineRecoveries = lines.filter { $0.contains("the store answers again") }.count
            let poolWarnings = lines.filter { $0.hasPrefix("warning") && $0.contains("cannot connect to the database") }.count
            let quietFailures = lines.filter { $0.hasPrefix("debug") && $0.contains("during the store outage") }.count
            #expect((1...4).contains(engineWarnings), "engine warnings: \(engineWarnings)")
            #expect(engineRecoveries == engineWarnings)
            #expect(poolWarnings <= 4, "pool warnings: \(poolWarnings)")
            let warnings = lines.filter { $0.hasPrefix("warning") }
            #expect(warnings.count <= 12, "\(warnings.prefix(20))")
            print(
                "outage logs: \(engineWarnings) engine warnings, \(engineRecoveries) recoveries, \(poolWarnings) pool warnings, \(quietFailures) failures logged at debug"
            )
        }
    }

    static func summary(_ probes: [Probe]) -> String {
        Dictionary(grouping: probes) { "\($0.route) r\($0.restart) \($0.status)" }.mapValues(\.count)
            .sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
    }

    /// A webhook as the inbox holds it.
    struct StoredWebhook {
        var type: String
        var sessionID: String
        var processed: Bool
        /// Whether an attempt holds its session.
        var held: Bool
    }
}
