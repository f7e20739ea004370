import Foundation
import Tracing

extension PaymentEngine {
    /// Runs `body` in a span named `name`, a child of `parent` or else of the current context, and
    /// ends it when `body` returns or throws (recording the error). Without a tracer, `body` gets
    /// no span and nothing else happens.
    func traced<T>(
        _ name: String, kind: SpanKind = .internal, parent: ServiceContext? = nil, _ body: ((any Span)?) async throws -> T
    ) async throws -> T {
        guard isTracing else { return try await body(nil) }
        let span: any Span = tracer.startSpan(name, context: parent ?? .current ?? .topLevel, ofKind: kind)
        defer { span.end() }
        do {
            return try await ServiceContext.withValue(span.context) { try await body(span) }
        } catch {
            span.recordError(error)
            throw error
        }
    }

    /// Runs a task's `work` in a span named after the task's kind (`tender.call`, `tender.fetch`,
    /// `tender.deadline`, `tender.refund`), a child of the span its attempt was submitted in,
    /// with how late the task fired.
    func tracedTask(_ claim: TaskClaim, firedAt: Date?, _ work: () async -> Void) async {
        guard isTracing else { return await work() }
        let parent = await submissionContext(of: [claim.attemptID])[claim.attemptID]
        let span: any Span = tracer.startSpan("tender.\(claim.kind.rawValue)", context: parent ?? .topLevel)
        describe(claim, firedAt: firedAt, on: span)
        await ServiceContext.withValue(span.context) { await work() }
        span.end()
    }

    /// Records a deadline of a batch as a span of its own, from when the batch fired to now.
    func traceDeadline(_ claim: TaskClaim, firedAt: Date, transition: Transition?, parent: ServiceContext?) {
        let span: any Span = tracer.startSpan(
            "tender.deadline", context: parent ?? .topLevel,
            at: DefaultTracerClock.Timestamp(nanosecondsSinceEpoch: UInt64(firedAt.timeIntervalSince1970 * 1e9)))
        describe(claim, firedAt: firedAt, on: span)
        if let transition {
            describe(transition, input: .deadlineReached, on: span)
        }
        span.end()
    }

    /// The spans the attempts were submitted in, read from the store (``AttemptTraces``); an
    /// attempt whose context cannot be read starts a trace of its own.
    func submissionContext(of attempts: [AttemptID]) async -> [AttemptID: ServiceContext] {
        guard let stored = try? await store.traceHeaders(of: attempts) else { return [:] }
        return stored.mapValues { headers in
            var context = ServiceContext.topLevel
            tracer.extract(headers, into: &context, using: TraceHeaders())
            return context
        }
    }

    /// The trace headers of `span`, to store with the attempt it submits.
    func traceHeaders(of span: any Span) -> [String: String] {
        var headers: [String: String] = [:]
        tracer.inject(span.context, into: &headers, using: TraceHeaders())
        return headers
    }

    /// Sets a transition's attributes on `span`.
    func describe(_ transition: Transition, input: AttemptInput, on span: any Span) {
        span.attributes["tender.attempt_id"] = transition.attempt.id.description
        span.attributes["tender.payment_id"] = transition.attempt.paymentID.rawValue
        span.attributes["tender.input"] = input.name
        span.attributes["tender.input.source"] = input.source.rawValue
        span.attributes["tender.state.from"] = transition.previous?.state.rawValue
        span.attributes["tender.state.to"] = transition.attempt.state.rawValue
        span.attributes["tender.version"] = Int(transition.attempt.version)
    }

    private func describe(_ claim: TaskClaim, firedAt: Date?, on span: any Span) {
        span.attributes["tender.attempt_id"] = claim.attemptID.description
        span.attributes["tender.task.reason"] = claim.purpose.reason
        if let firedAt {
            span.attributes["tender.task.lateness_ms"] = max(0, firedAt.timeIntervalSince(claim.dueAt)) * 1000
        }
    }
}
