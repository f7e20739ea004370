import Dispatch
import Testing

@testable import LibPQ

/// The I/O thread as a task executor: a task that prefers it runs there between its round trips.
/// The time limit is for a job that never runs, which would hang its test; it leaves room for
/// the shared server's first start on a loaded machine.
@Suite("I/O thread as an executor", .timeLimit(.minutes(10)))
struct IOThreadExecutorTests {
    @Test("tasks that prefer the pool's executor resume on the I/O thread after each round trip, with their own answers")
    func preferringTasksResumeOnTheIOThread() async throws {
        let pool = PostgresPool(configuration: try await TestServer.database(), size: 4, acquireTimeout: .seconds(300), logger: TestServer.logger)
        let answers = try await withThrowingTaskGroup(of: (n: Int, tripled: Int, next: Int, onIOThread: Bool).self) { group in
            for n in 0..<1_000 {
                group.addTask(executorPreference: pool.executor) {
                    let tripled = try await pool.query("SELECT $1::int8 * 3 AS tripled", [n])[0].decode(Int.self, column: "tripled")
                    let onIOThread = PostgresIOThread.shared.isCurrent
                    let rows = try await pool.withConnection { connection in
                        try await connection.withTransaction { transaction in
                            try await transaction.pipeline([PostgresStatement("SELECT $1::int8 + 1 AS n", [n])])
                        }
                    }
                    let next = try rows[0][0].decode(Int.self, column: "n")
                    return (n, tripled, next, onIOThread && PostgresIOThread.shared.isCurrent)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(answers.map(\.n)) == Set(0..<1_000))
        #expect(answers.allSatisfy { $0.tripled == $0.n * 3 && $0.next == $0.n + 1 })
        #expect(answers.allSatisfy { $0.onIOThread })
        await pool.close()
    }

    @Test("a task that does not prefer it never runs on the I/O thread")
    func otherTasksStayOff() async throws {
        let pool = PostgresPool(configuration: try await TestServer.database(), size: 2, acquireTimeout: .seconds(300), logger: TestServer.logger)
        for n in 0..<20 {
            _ = try await pool.query("SELECT $1::int8 AS n", [n])
            #expect(!PostgresIOThread.shared.isCurrent)
        }
        await pool.close()
    }

    @Test("a task resumed from another thread wakes the I/O thread from its wait and runs there")
    func resumedFromAnotherThread() async throws {
        let pool = PostgresPool(configuration: try await TestServer.database(), size: 1, acquireTimeout: .seconds(300), logger: TestServer.logger)
        let ranOnIOThread = try await withTaskExecutorPreference(pool.executor) {
            var ranOnIOThread: [Bool] = []
            for _ in 0..<10 {
                _ = try await pool.query("SELECT 1 AS one")
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(20)) { continuation.resume() }
                }
                ranOnIOThread.append(PostgresIOThread.shared.isCurrent)
                try await Task.sleep(for: .milliseconds(5))
                ranOnIOThread.append(PostgresIOThread.shared.isCurrent)
            }
            return ranOnIOThread
        }
        #expect(ranOnIOThread.count == 20)
        #expect(!ranOnIOThread.contains(false))
        await pool.close()
    }
}
