import Foundation
import LibPQ
import Tender

extension PostgresPaymentStore {
    public func submit(_ request: SubmitRequest, machine: AttemptMachine, leasing lease: FollowUpLease?, now: Date) async throws -> SubmitResult {
        let writes = TransitionWrites(submitting: request, machine: machine, now: now, lease: lease)
        let result: SubmitResult
        if let written = try await submitAtOnce(request, writes) {
            result = written
        } else {
            retriedWrites.submissions.increment()
            result = try await submitUnderLocks(request, writes)
        }
        if result.transition?.events.isEmpty == false {
            await announcer.announce()
        }
        return result
    }

    /// The submission written in one round trip, its reads turned into checks
    /// (``TransitionCheck``), in the locking path's order: the payment inserted when new, or else
    /// locked and checked to have the submission's amount and currency and no completed attempt;
    /// then the payment's attempts, checked to have none in flight and none with the idempotency
    /// key. Nil when a check failed and the transaction rolled back: a replay, a conflict or a
    /// refusal, which ``submitUnderLocks(_:_:)`` tells apart.
    func submitAtOnce(_ request: SubmitRequest, _ writes: TransitionWrites) async throws -> SubmitResult? {
        let submission = request.submission
        let paymentID = submission.paymentID.rawValue
        let checks = [
            PostgresStatement(
                Self.paymentInsertOrCheckSQL,
                [paymentID, submission.amount.minorUnits, submission.amount.currency.code, writes.now]),
            PostgresStatement(Self.attemptsCheckSQL, [paymentID, request.idempotencyKey]),
        ]
        do {
            return try await pool.withTransaction { connection in
                let results = try await connection.pipeline(checks + writes.statements + [PostgresStatement("COMMIT")])
                return SubmitResult(transition: writes.transition, followUps: try writes.followUps(in: results, offset: checks.count))
            }
        } catch let error as PostgresError where error.sqlState == TransitionCheck.refusal {
            return nil
        } catch let error as PostgresError where error.code == .uniqueViolation {
            throw Self.keyOfAnotherPayment
        }
    }

    /// The submission under the payment's lock: reads in one round trip, then the writes
    /// or the answer the reads call for.
    func submitUnderLocks(_ request: SubmitRequest, _ writes: TransitionWrites) async throws -> SubmitResult {
        let submission = request.submission
        return try await pool.withTransaction { connection in
            let reads = try await connection.pipeline([
                Self.paymentInsert(submission, now: writes.now),
                PostgresStatement(
                    "SELECT amount, currency, completed_attempt_id FROM payments WHERE id = $1 FOR UPDATE",
                    [submission.paymentID.rawValue]
                ),
                PostgresStatement(
                    "SELECT \(AttemptRow.columns), a.request FROM attempts a WHERE a.idempotency_key = $1",
                    [request.idempotencyKey]
                ),
                PostgresStatement(Self.attemptsInFlight + " LIMIT 1", [submission.paymentID.rawValue]),
            ])
            if let existing = reads[2].first {
                guard try existing.decode(String.self, column: "request") == request.fingerprint else {
                    throw StoreError(.idempotencyConflict, "the idempotency key was used with a different request")
                }
                return SubmitResult(replayOf: try AttemptRow.decode(existing))
            }
            guard let payment = reads[1].first else {
                throw StoreError(.notFound, "payment \(submission.paymentID) vanished")
            }
            guard try payment.decode(Int64.self, column: "amount") == submission.amount.minorUnits,
                try payment.decode(String.self, column: "currency") == submission.amount.currency.code
            else {
                throw StoreError(.paymentMismatch, "payment \(submission.paymentID) exists with another amount or currency")
            }
            guard try payment.decode(UUID?.self, column: "completed_attempt_id") == nil else {
                throw StoreError(.paymentCompleted, "payment \(submission.paymentID) is already paid")
            }
            guard reads[3].first == nil else {
                throw StoreError(.attemptInFlight, "payment \(submission.paymentID) has an attempt waiting for its outcome")
            }
            let written: [PostgresRows]
            do {
                written = try await connection.pipeline(writes.statements + [PostgresStatement("COMMIT")])
            } catch let error as PostgresError where error.code == .uniqueViolation {
                throw Self.keyOfAnotherPayment
            }
            return SubmitResult(transition: writes.transition, followUps: try writes.followUps(in: written, offset: 0))
        }
    }

    /// The payment of `submission`, inserted unless it exists.
    private static func paymentInsert(_ submission: AttemptMachine.Submission, now: Date) -> PostgresStatement {
        PostgresStatement(
            "INSERT INTO payments (id, amount, currency, created_at) VALUES ($1, $2, $3, $4) \(paymentInsertConflict)",
            [submission.paymentID.rawValue, submission.amount.minorUnits, submission.amount.currency.code, now]
        )
    }

    /// What a payment's insert does when the payment exists.
    private static let paymentInsertConflict = "ON CONFLICT (id) DO NOTHING"

    /// Inserts the payment (`$1`, amount `$2`, currency `$3`, created at `$4`) when it is new; when
    /// it exists, locks it, raising unless it has that amount and currency and no completed
    /// attempt. A payment another submission inserted since this statement's snapshot is not
    /// visible to its lock, so the check raises and the submission is made under locks.
    private static let paymentInsertOrCheckSQL =
        "WITH inserted AS (INSERT INTO payments (id, amount, currency, created_at) VALUES ($1, $2, $3, $4) \(paymentInsertConflict) RETURNING id), "
        + "payment AS (SELECT amount, currency, completed_attempt_id FROM payments WHERE id = $1 AND NOT EXISTS (SELECT FROM inserted) FOR UPDATE) "
        + TransitionCheck.expecting(
            "EXISTS (SELECT FROM inserted) "
                + "OR (SELECT count(*) = 1 AND bool_and(amount = $2 AND currency = $3 AND completed_attempt_id IS NULL) FROM payment)",
            what: "the payment")

    /// Raises unless the payment (`$1`) has no attempt in flight and none with the idempotency key `$2`.
    private static let attemptsCheckSQL = TransitionCheck.expecting(
        "NOT EXISTS (\(attemptsInFlight)) AND NOT EXISTS (SELECT 1 FROM attempts WHERE idempotency_key = $2)", what: "the payment's attempts")

    /// The attempts of payment `$1` still waiting for their outcome.
    private static let attemptsInFlight = "SELECT 1 FROM attempts WHERE payment_id = $1 AND state IN ('submitted', 'awaiting_confirmation')"

    /// A new attempt's key taken, under the payment's lock, by an attempt of another payment.
    private static var keyOfAnotherPayment: StoreError {
        StoreError(.idempotencyConflict, "the idempotency key was used with a different payment")
    }
}
