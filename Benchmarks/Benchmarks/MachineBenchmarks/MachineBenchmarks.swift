import Benchmark
import BenchmarkFixtures
import Foundation
import Tender

/// A BLIK payment's life in the attempt machine, without I/O: what a transition costs the engine
/// before the store and the network.
let benchmarks: @Sendable () -> Void = {
    // A thousand iterations a sample. Without I/O, wall time is CPU time; the CPU clock ticks in
    // milliseconds here, too coarse for a sample.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .mallocCountTotal, .throughput], scalingFactor: .kilo, maxDuration: .seconds(3), maxIterations: 1_000)

    let payment = MachineFixture()
    let awaiting = payment.awaiting

    Benchmark("AttemptMachine: a payment from submission to completion (4 transitions)") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(payment.completePayment())
        }
    }

    Benchmark("AttemptMachine: a poll that learns nothing") { benchmark in
        for _ in benchmark.scaledIterations {
            blackHole(payment.machine.transition(awaiting, .fetched(payment.open, .poll), context: PaymentContext(), now: payment.start + 10))
        }
    }
}
