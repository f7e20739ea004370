import Foundation
import Logging

/// Logs an outage of the store once when it starts and once when it ends, however many sweeps,
/// claims and tasks fail in between (those go to `debug`).
struct OutageLog: Sendable {
    /// How long the store must answer without a failure for an outage to end. While the pool
    /// reconnects after a restart, operations on connections made again succeed as others still
    /// fail; without the wait, one restart was logged as several outages.
    static let settling: TimeInterval = 1

    /// When the current outage started, or `nil` while the store answers.
    private(set) var since: Date?
    /// When the store answered first with no failure since, during an outage.
    private var answeringSince: Date?
    private var failures = 0

    /// Records a failed store operation: a warning if it starts an outage, `debug` otherwise. An
    /// operation of a cancelled task failed because the engine is stopping, not because the store
    /// is out of reach: it goes to `debug` and starts no outage.
    mutating func failed(_ operation: String, error: any Error, at now: Date, logger: Logger) {
        guard !Task.isCancelled else {
            logger.debug("\(operation) failed as the engine stopped", metadata: ["error": "\(error)"])
            return
        }
        failures += 1
        answeringSince = nil
        guard since == nil else {
            logger.debug("\(operation) failed during the store outage", metadata: ["error": "\(error)"])
            return
        }
        since = now
        logger.warning("the store is unavailable; retrying until it answers", metadata: ["operation": "\(operation)", "error": "\(error)"])
    }

    /// Records that the store answered: ends the outage, if any, with an info line once the store
    /// has answered for ``settling`` without a failure.
    mutating func succeeded(at now: Date, logger: Logger) {
        guard let since else { return }
        guard let answeringSince else {
            answeringSince = now
            return
        }
        guard now.timeIntervalSince(answeringSince) >= Self.settling else { return }
        logger.info(
            "the store answers again",
            metadata: [
                "outage_seconds": "\(String(format: "%.1f", now.timeIntervalSince(since)))", "failed_operations": "\(failures)",
            ])
        self.since = nil
        self.answeringSince = nil
        failures = 0
    }
}
