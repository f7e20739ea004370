/// The webhook events the gateway sends.
public enum SandboxEventType: String, Sendable, Hashable, Codable, CaseIterable {
    /// A session was created.
    case sessionCreated = "session.created"
    /// A session was paid.
    case sessionCompleted = "session.completed"
    /// A session can no longer be paid.
    case sessionExpired = "session.expired"
}
