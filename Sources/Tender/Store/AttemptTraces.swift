/// The trace context each attempt was submitted in, for the spans of its tasks.
public protocol AttemptTraces: Sendable {
    /// The trace headers stored with each of `attempts` that has some.
    func traceHeaders(of attempts: [AttemptID]) async throws -> [AttemptID: [String: String]]
}
