import Tracing

/// A span's context as text headers (W3C `traceparent` and `tracestate` under OpenTelemetry),
/// stored with an attempt so that the spans of its tasks, on any worker and after any restart,
/// join the trace of its submission.
struct TraceHeaders: Injector, Extractor {
    func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
        carrier[key] = value
    }

    func extract(key: String, from carrier: [String: String]) -> String? {
        carrier[key]
    }
}
