import Foundation
import Tender

/// The store's calls as tests make them most often: nothing leased to a follow-up.
extension PaymentStore {
    /// Stores a new attempt, or returns the existing one for a replayed idempotency key.
    public func submit(_ request: SubmitRequest, machine: AttemptMachine, now: Date) async throws -> SubmitResult {
        try await submit(request, machine: machine, leasing: nil, now: now)
    }

    /// Applies one input to an attempt and returns the transition.
    @discardableResult
    public func apply(
        _ input: AttemptInput, to attemptID: AttemptID, machine: AttemptMachine, completing claim: TaskClaim?, now: Date
    ) async throws -> Transition {
        try await apply(input, to: attemptID, machine: machine, completing: claim, leasing: nil, now: now).transition
    }

    /// Stores a verified webhook and applies it when its session is known.
    public func receiveWebhook(_ hint: WebhookHint, body: [UInt8], machine: AttemptMachine, now: Date) async throws -> WebhookReceipt {
        try await receiveWebhook(hint, body: body, machine: machine, leasing: nil, now: now).receipt
    }
}
