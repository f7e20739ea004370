/// Whether the worker can serve: the answer behind `/readyz`.
public enum Readiness: Sendable, Hashable {
    /// The database answers and its schema is current.
    case ready
    /// Not ready, with a reason for the operator (no secrets).
    case notReady(reason: String)
}
