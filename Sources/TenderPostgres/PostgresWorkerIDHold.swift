import LibPQ
import Tender

/// A worker id held as a session advisory lock on a connection of its own: the lock lasts while
/// the connection does, so it ends with the worker's process even when nobody releases it.
struct PostgresWorkerIDHold: WorkerIDHold {
    let connection: PostgresConnection

    /// The lock lasts while its session does: held while the connection still answers.
    func isHeld() async -> Bool {
        (try? await connection.query("SELECT 1")) != nil
    }

    func release() async {
        await connection.close()
    }
}

extension PostgresPaymentStore {
    public func holdWorkerID(_ workerID: String, waitingUpTo wait: Duration) async throws -> any WorkerIDHold {
        let connection = try await PostgresConnection.connect(sessions, logger: logger)
        do {
            let waitMilliseconds = Int64(wait.timeInterval * 1_000)
            try await connection.query("SELECT set_config('lock_timeout', $1, false)", ["\(max(1, waitMilliseconds))ms"])
            try await connection.query("SELECT pg_advisory_lock(hashtextextended('tender.worker:' || $1, 0))", [workerID])
            return PostgresWorkerIDHold(connection: connection)
        } catch let error as PostgresError where error.sqlState == "55P03" {
            await connection.close()
            throw StoreError(.workerIDInUse, "another live worker runs as \"\(workerID)\"; each worker needs an id of its own")
        } catch {
            await connection.close()
            throw error
        }
    }
}
