/// Whether the worker can serve: the answer behind `/readyz`.
public enum Readiness: Sendable, Hashable {
    /// The database answers and its schema is current.
    case ready
    /// Not ready, with a reason for the operator (no secrets).
    case notReady(reason: String)
}

extension Readiness {
    /// The answer of `check`, or not ready when it has none within `wait`.
    ///
    /// A database cut off by the network answers nothing, not even an error, and a query waiting
    /// for it may not end when cancelled; so the check runs in a task of its own, left to end on
    /// its own, and the answer comes in time all the same.
    public static func within(_ wait: Duration, _ check: @escaping @Sendable () async -> Readiness) async -> Readiness {
        let (answers, answer) = AsyncStream.makeStream(of: Readiness.self)
        let checking = Task {
            answer.yield(await check())
        }
        let timer = Task {
            try await Task.sleep(for: wait)
            answer.yield(.notReady(reason: "the database did not answer within \(wait)"))
        }
        defer {
            checking.cancel()
            timer.cancel()
        }
        for await readiness in answers {
            return readiness
        }
        return .notReady(reason: "the readiness check ended without an answer")
    }
}
