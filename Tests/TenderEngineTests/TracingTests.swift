import Foundation
import InMemoryTracing
import Tender
import TenderSandbox
import TenderTestKit
import Testing
import Tracing

/// The engine's spans, caught by an in-memory tracer: a payment's submission, tasks, gateway calls
/// and transitions form one trace, linked through the trace context stored with the attempt.
@Suite("Tracing", .timeLimit(.minutes(10)))
struct TracingTests {
    @Test("one payment's spans form one trace: the submission, its tasks, their gateway calls and transitions")
    func aPaymentIsOneTrace() async throws {
        var policy = AttemptPolicy.fastForTests
        policy.confirmationWindow = .seconds(5)
        try await EngineRig.run(sandbox: SandboxConfiguration(secretKey: "", timeScale: 0.01), policy: policy) { rig in
            let tracer = InMemoryTracer()
            let engine = rig.engine(workerID: "traced", configure: { $0.tracer = tracer })
            let (paid, silent) = try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                group.addTask { try await engine.run() }
                rig.webhooks.use([engine])
                defer { rig.webhooks.use([]) }
                let paid = try await Self.submit(to: engine, code: "000012")
                let silent = try await Self.submit(to: engine, code: "000010")
                #expect(
                    try await waitUntil(timeout: .seconds(120), every: .milliseconds(50)) {
                        let paidState = try await rig.store.attempt(paid)?.state
                        let silentState = try await rig.store.attempt(silent)?.state
                        return paidState == .completed && silentState == .expired
                    })
                // A span ends after the transition it wraps is stored: wait for the last ones.
                #expect(
                    try await waitUntil(timeout: .seconds(30), every: .milliseconds(50)) {
                        let ended = tracer.finishedSpans.filter { Self.text($0, "tender.state.to") != nil }
                        return ended.contains { Self.attempt(of: $0) == silent && Self.text($0, "tender.state.to") == "expired" }
                            && ended.contains { Self.attempt(of: $0) == paid && Self.text($0, "tender.state.to") == "completed" }
                            && tracer.activeSpans.isEmpty
                    })
                return (paid, silent)
            }
            let spans = tracer.finishedSpans
            for attemptID in [paid, silent] {
                let submit = try #require(spans.first { $0.operationName == "tender.submit" && Self.attempt(of: $0) == attemptID })
                #expect(submit.parentSpanID == nil, "the submission starts the trace")
                #expect(submit.kind == .server)
                let trace = spans.filter { $0.traceID == submit.traceID }
                let byID = Dictionary(uniqueKeysWithValues: trace.map { ($0.spanID, $0) })
                for span in trace where span.spanID != submit.spanID {
                    #expect(Self.attempt(of: span).map { $0 == attemptID } ?? true, "\(span.operationName) belongs to the payment's attempt")
                    let parent = try #require(span.parentSpanID.flatMap { byID[$0] }, "\(span.operationName) has a parent in the trace")
                    switch span.operationName {
                    case "tender.call", "tender.fetch", "tender.deadline":
                        #expect(parent.spanID == submit.spanID, "a task is a child of the submission")
                    case let name where name.hasPrefix("tender.gateway."):
                        #expect(["tender.call", "tender.fetch"].contains(parent.operationName), "\(name) is made by a task")
                        #expect(span.kind == .client)
                    case "tender.transition":
                        #expect(["tender.call", "tender.fetch"].contains(parent.operationName), "a transition completes a task")
                    default:
                        Issue.record("unexpected span \(span.operationName) in the payment's trace")
                    }
                }
                let names = Set(trace.map(\.operationName))
                #expect(names.isSuperset(of: ["tender.submit", "tender.call", "tender.gateway.create", "tender.gateway.pay", "tender.transition"]))
                let inputs = Set(trace.filter { $0.operationName == "tender.transition" }.compactMap { Self.text($0, "tender.input") })
                #expect(inputs.contains("session_created"))
            }
            let paidInputs = spans.filter { $0.operationName == "tender.transition" && Self.attempt(of: $0) == paid }.compactMap {
                Self.text($0, "tender.input")
            }
            // The pay call's answer completes the payment, unless the webhook's fetch got there first
            // (then the answer finds its call task gone and is not applied).
            #expect(paidInputs.contains("pay_answered") || paidInputs.contains("fetched"), "\(paidInputs)")
            // The deadline or a poll due with it expires the silent payer's attempt; a deadline that
            // fired has a span of its own.
            for deadline in spans where deadline.operationName == "tender.deadline" && Self.attempt(of: deadline) == silent {
                #expect(deadline.attributes.get("tender.task.lateness_ms") != nil, "a fired task carries its lateness")
            }
            let polls = spans.filter { $0.operationName == "tender.fetch" && Self.attempt(of: $0) == silent }
            #expect(!polls.isEmpty, "the silent payer's session was polled")
            #expect(polls.contains { $0.attributes.get("tender.task.lateness_ms") != nil })
            for webhook in spans where webhook.operationName == "tender.webhook" {
                #expect(webhook.kind == .server)
                #expect(Self.text(webhook, "tender.webhook.result") != nil)
            }
        }
    }

    private static func submit(to engine: PaymentEngine, code: String) async throws -> AttemptID {
        try await engine.submit(
            paymentID: PaymentID(rawValue: UUID().uuidString), amount: Money(minorUnits: 1000, currency: .pln),
            customer: Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski"), code: BLIKCode(code),
            idempotencyKey: UUID().uuidString
        ).attempt.id
    }

    private static func text(_ span: FinishedInMemorySpan, _ key: String) -> String? {
        if case .string(let value) = span.attributes.get(key) { value } else { nil }
    }

    private static func attempt(of span: FinishedInMemorySpan) -> AttemptID? {
        text(span, "tender.attempt_id").flatMap(UUID.init(uuidString:)).map(AttemptID.init(rawValue:))
    }
}
