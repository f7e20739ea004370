import LibPQ
import TenderTestKit
import Testing

/// ``StoreFixture`` closes every pool it opened when its body throws: the body's error comes out
/// unchanged, and afterwards each pool refuses queries.
@Suite("Harness cleanup") struct HarnessCleanupTests {
    private struct Planned: Error {}

    /// Both pools answer inside the body, so a refusal afterwards means they were closed.
    @Test("StoreFixture closes its pool and the pools it opened when its body throws")
    func storeFixture() async throws {
        var pools: [PostgresPool] = []
        await #expect(throws: Planned.self) {
            try await StoreFixture.with { fixture -> Void in
                pools = [fixture.pool, try await fixture.openPool()]
                for pool in pools {
                    try await pool.query("SELECT 1")
                }
                throw Planned()
            }
        }
        #expect(pools.count == 2)
        for pool in pools {
            await expectClosed(pool)
            await pool.close()
        }
    }
}
