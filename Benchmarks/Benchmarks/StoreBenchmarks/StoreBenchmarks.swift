import Benchmark
import BenchmarkFixtures
import Foundation
import Tender
import TenderPostgres

/// The store's hot path against a throwaway PostgreSQL on this machine: a full transition as a
/// transaction (a webhook's hint: a new version, a history row, the fetch made due), a poll that
/// learns nothing (written as a quiet poll), and one attempt read and decoded. Wall time includes the server's share; CPU and mallocs are the client's.
let benchmarks: @Sendable () -> Void = {
    // A thousand iterations a sample: the CPU clock ticks in milliseconds here.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .throughput], scalingFactor: .kilo, maxDuration: .seconds(10), maxIterations: 20)
    let setup: Benchmark.BenchmarkSetupHook = { try await StoreFixture.shared.start() }
    let teardown: Benchmark.BenchmarkTeardownHook = { await StoreFixture.shared.stop() }
    let open = StoreFixture.shared.payment.open

    Benchmark(
        "PostgresPaymentStore: a poll that learns nothing (one transaction)",
        closure: { benchmark in
            guard let (store, attemptID) = await StoreFixture.shared.ready else { return benchmark.error("no fixture") }
            let machine = StoreFixture.shared.payment.machine
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                do {
                    blackHole(
                        try await store.apply(.fetched(open, .poll), to: attemptID, machine: machine, completing: nil, leasing: nil, now: Date()))
                } catch {
                    benchmark.error("\(error)")
                }
            }
        }, setup: setup, teardown: teardown)

    Benchmark(
        "PostgresPaymentStore: a webhook's hint (one full transition)",
        closure: { benchmark in
            guard let (store, attemptID) = await StoreFixture.shared.ready else { return benchmark.error("no fixture") }
            let machine = StoreFixture.shared.payment.machine
            let hint = WebhookHint(eventID: "evt_benchmark", type: "session.updated", sessionID: open.id, createdAt: Date())
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                do {
                    blackHole(
                        try await store.apply(.webhookHint(hint), to: attemptID, machine: machine, completing: nil, leasing: nil, now: Date()))
                } catch {
                    benchmark.error("\(error)")
                }
            }
        }, setup: setup, teardown: teardown)

    Benchmark(
        "PostgresPaymentStore: an attempt read (one row decoded)",
        closure: { benchmark in
            guard let (store, attemptID) = await StoreFixture.shared.ready else { return benchmark.error("no fixture") }
            benchmark.startMeasurement()
            for _ in benchmark.scaledIterations {
                do {
                    blackHole(try await store.attempt(attemptID))
                } catch {
                    benchmark.error("\(error)")
                }
            }
        }, setup: setup, teardown: teardown)
}
