import Foundation
import Tender

/// A BLIK payment's inputs for the attempt machine: the submission, the gateway's open and
/// completed session, and the attempt they lead to, awaiting its payer's confirmation.
public struct MachineFixture: Sendable {
    /// The machine, with the default policy.
    public let machine = AttemptMachine(policy: AttemptPolicy())
    /// When the payment is submitted.
    public let start = Date(timeIntervalSince1970: 1_800_000_000)
    /// The order system's submission.
    public let submission: AttemptMachine.Submission
    /// The session while the payer has not confirmed.
    public let open = GatewaySession(id: "cs_benchmark", status: .open, amount: 1_000)
    /// The session once the payer has confirmed.
    public let completed = GatewaySession(id: "cs_benchmark", status: .completed, amount: 1_000)

    /// The fixture; its values are valid, so nothing throws.
    public init() {
        submission = AttemptMachine.Submission(
            paymentID: PaymentID(rawValue: "order-benchmark"), amount: try! Money(minorUnits: 1_000, currency: .pln),
            customer: try! Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski"), code: try! BLIKCode("777123"))
    }

    /// The inputs after the submission that complete the payment, in order.
    public var inputsToCompletion: [AttemptInput] {
        [.sessionCreated(open), .payAnswered(open), .fetched(completed, .poll)]
    }

    /// The attempt after the session was created and paid: awaiting confirmation.
    public var awaiting: Attempt {
        attempt(after: inputsToCompletion.dropLast())
    }

    /// A whole payment in the machine: the submission and every input to completion.
    public func completePayment() -> Attempt {
        attempt(after: inputsToCompletion)
    }

    /// The attempt after the submission and `inputs`, a second apart.
    private func attempt(after inputs: some Sequence<AttemptInput>) -> Attempt {
        var attempt = machine.submit(submission, now: start).attempt
        for (offset, input) in inputs.enumerated() {
            attempt = machine.transition(attempt, input, context: PaymentContext(), now: start + Double(offset + 1)).attempt
        }
        return attempt
    }
}
