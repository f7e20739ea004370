import Logging

extension PaymentEngine {
    /// Prunes, every ``RetentionPolicy/interval``, what the retention policy no longer keeps, in
    /// transactions of at most ``RetentionPolicy/batchSize`` rows, until nothing is left to prune
    /// or the task is cancelled. Workers sharing a store skip each other's rows.
    func pruneExpiredData() async {
        let policy = configuration.retention
        while !Task.isCancelled {
            try? await Task.sleep(for: policy.interval)
            do {
                let attempts = try await pruneInBatches { try await store.pruneFinishedAttempts(olderThan: policy.finishedAttempts, limit: $0) }
                let events = try await pruneInBatches { try await store.pruneAcknowledgedEvents(limit: $0) }
                let webhooks = try await pruneInBatches { try await store.expireParkedWebhooks(olderThan: policy.parkedWebhooks, limit: $0) }
                if attempts + events + webhooks > 0 {
                    logger.info(
                        "pruned expired data",
                        metadata: ["attempts": "\(attempts)", "events": "\(events)", "parked_webhooks": "\(webhooks)"]
                    )
                }
            } catch {
                logger.notice("pruning failed; it is tried again later", metadata: ["error": "\(error)"])
            }
        }
    }

    /// Runs `batch` until it returns less than a full batch; returns the total.
    private func pruneInBatches(_ batch: (Int) async throws -> Int) async throws -> Int {
        var total = 0
        while !Task.isCancelled {
            let pruned = try await batch(configuration.retention.batchSize)
            total += pruned
            guard pruned == configuration.retention.batchSize else { break }
        }
        return total
    }
}
