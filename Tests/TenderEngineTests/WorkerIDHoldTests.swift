import Foundation
import LibPQ
import Tender
import TenderSandbox
import TenderTestKit
import Testing

/// A worker's id is a session advisory lock, which ends with its database session: after a
/// restart or a failover the engine takes it again by itself, or stops if another worker took it.
@Suite("Worker id hold", .serialized)
struct WorkerIDHoldTests {
    /// The worker-id lock's key, split as `pg_locks` shows a bigint key.
    static let lockOfWorker = """
        WITH k AS (SELECT hashtextextended('tender.worker:' || $1, 0) AS key)
        SELECT l.pid FROM pg_locks l, k
        WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
          AND l.classid = ((k.key >> 32) & 4294967295)::oid AND l.objid = (k.key & 4294967295)::oid
        """

    @Test(.timeLimit(.minutes(10)))
    func aLostHoldIsTakenAgain() async throws {
        try await EngineRig.run(sandbox: SandboxConfiguration(secretKey: "", timeScale: 0.01), policy: .fastForTests) { rig in
            let engine = rig.engine(workerID: "keeper")
            try await withThrowingTaskGroup(of: Void.self) { group in
                defer { group.cancelAll() }
                group.addTask { try await engine.run() }
                let first = try await Self.holder(of: "keeper", rig: rig)
                // The server ends the session, as a restart or a failover would.
                try await rig.store.pool.query("SELECT pg_terminate_backend($1, 5000)", [first])
                let second = try await Self.holder(of: "keeper", rig: rig, other: first)
                #expect(second != first)
                // The engine is still running: it fires a payment's tasks.
                let attempt = try #require(try await rig.submit(codes: ["000012"]).first)
                rig.webhooks.use([engine])
                let final = try await waitUntil(timeout: .seconds(120), every: .milliseconds(50)) {
                    try await rig.store.attempt(attempt.id)?.state == .completed
                }
                rig.webhooks.use([])
                #expect(final)
            }
        }
    }

    @Test(.timeLimit(.minutes(10)))
    func anIdTakenByAnotherWorkerMeanwhileStopsTheEngine() async throws {
        try await EngineRig.run(sandbox: SandboxConfiguration(secretKey: "", timeScale: 0.01), policy: .fastForTests) { rig in
            let engine = rig.engine(workerID: "twin", configure: { $0.workerIDWait = .milliseconds(300) })
            let run = Task { try await engine.run() }
            defer { run.cancel() }
            let first = try await Self.holder(of: "twin", rig: rig)
            // Another worker under the same id takes the lock the moment the session ends.
            let usurper = try await PostgresConnection.connect(try PostgresConfiguration(connectionString: rig.databaseURL), logger: rig.logger)
            try await rig.store.pool.query("SELECT pg_terminate_backend($1, 5000)", [first])
            try await usurper.query("SELECT pg_advisory_lock(hashtextextended('tender.worker:' || $1, 0))", ["twin"])
            let error = await #expect(throws: StoreError.self) { try await run.value }
            #expect(error?.code == .workerIDInUse)
            await usurper.close()
        }
    }

    /// Waits until a session other than `other` holds the worker's lock, and returns its pid.
    private static func holder(of workerID: String, rig: EngineRig, other: Int32? = nil) async throws -> Int32 {
        var pid: Int32?
        let held = try await waitUntil(timeout: .seconds(60), every: .milliseconds(50)) {
            pid = try await rig.store.pool.query(lockOfWorker, [workerID]).first?.decode(Int32.self, column: "pid")
            return pid != nil && pid != other
        }
        try #require(held, "\(workerID)'s lock is not held")
        return try #require(pid)
    }
}
