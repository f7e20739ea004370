import Benchmark
import Foundation
import Tender

/// A BLIK payment's life in the attempt machine, without I/O: what a transition costs the engine
/// before the store and the network.
let benchmarks: @Sendable () -> Void = {
    // A thousand iterations a sample. Without I/O, wall time is CPU time; the CPU clock ticks in
    // milliseconds here, too coarse for a sample.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput], scalingFactor: .kilo, maxDuration: .seconds(3), maxIterations: 1_000)

    let machine = AttemptMachine(policy: AttemptPolicy())
    let start = Date(timeIntervalSince1970: 1_800_000_000)
    let submission = AttemptMachine.Submission(
        paymentID: PaymentID(rawValue: "order-benchmark"), amount: try! Money(minorUnits: 1_000, currency: .pln),
        customer: try! Customer(email: "payer@example.com", firstName: "Jan", lastName: "Kowalski"), code: try! BLIKCode("777123"))
    let open = GatewaySession(id: "cs_benchmark", status: .open, amount: 1_000)
    let completed = GatewaySession(id: "cs_benchmark", status: .completed, amount: 1_000)
    let awaiting: Attempt = {
        var attempt = machine.submit(submission, now: start).attempt
        attempt = machine.transition(attempt, .sessionCreated(open), context: PaymentContext(), now: start + 1).attempt
        return machine.transition(attempt, .payAnswered(open), context: PaymentContext(), now: start + 2).attempt
    }()

    Benchmark("AttemptMachine: a payment from submission to completion (4 transitions)") { benchmark in
        for _ in benchmark.scaledIterations {
            var attempt = machine.submit(submission, now: start).attempt
            for (offset, input) in [AttemptInput.sessionCreated(open), .payAnswered(open), .fetched(completed, .poll)].enumerated() {
                attempt = machine.transition(attempt, input, context: PaymentContext(), now: start + Double(offset + 1)).attempt
            }
            blackHole(attempt)
        }
    }

    Benchmark("AttemptMachine: a poll that learns nothing") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(machine.transition(awaiting, .fetched(open, .poll), context: PaymentContext(), now: start + 10))
        }
    }
}
