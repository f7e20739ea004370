/// Shares the machine among the tests that load it, so that no verdict depends on what else the
/// test process runs that minute.
///
/// Swift Testing runs every test of the process at once on a two-core machine. A test marked
/// ``HeavyTrait/heavy`` (hundreds of payments, crashes and outages, trace logging, child
/// processes, 100,000-row tables) takes the whole gate and runs with no other gated test beside
/// it; every live stack of the test kit (``LiveBackends``) takes one place of a few while it runs.
/// Places are handed out in the order they were asked for, so a heavy test is never starved. A
/// task that already holds places enters again without waiting.
public actor TestGate {
    /// The gate every test of the process shares.
    static let shared = TestGate(places: 3)

    /// Whether the current task holds places of the gate.
    @TaskLocal static var entered = false

    private nonisolated let places: Int
    private var free: Int
    private var waiters: [(places: Int, continuation: CheckedContinuation<Void, Never>)] = []

    /// A gate of `places` places.
    init(places: Int) {
        self.places = places
        self.free = places
    }

    /// Runs `body` holding one place of the shared gate.
    public static func withPlace<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async throws -> T {
        try await holding(1, of: shared, body)
    }

    /// Runs `body` holding every place of the shared gate: no other gated test runs meanwhile.
    public static func exclusively<T>(
        isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async throws -> T {
        try await holding(shared.places, of: shared, body)
    }

    private static func holding<T>(
        _ count: Int, of gate: TestGate, isolation: isolated (any Actor)? = #isolation, _ body: () async throws -> T
    ) async throws -> T {
        if entered { return try await body() }
        await gate.take(count)
        return try await withCleanup {
            try await $entered.withValue(true) { try await body() }
        } cleanup: {
            await gate.give(count)
        }
    }

    private func take(_ count: Int) async {
        if waiters.isEmpty, free >= count {
            free -= count
            return
        }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }

    private func give(_ count: Int) {
        free += count
        while let first = waiters.first, free >= first.places {
            waiters.removeFirst()
            free -= first.places
            first.continuation.resume()
        }
    }
}
