import BenchmarkFixtures
import CCallgrind
import Foundation
import Tender
import TenderPostgres

/// Counts the instructions of the hot path's parts with valgrind's callgrind, which repeat exactly
/// on a noisy machine where times do not: run it through `Benchmarks/instructions`, which reads
/// the counts. Each workload runs a few times uncounted (caches, prepared statements), then its
/// iterations counted in every thread, the I/O thread's included, and written to a callgrind file
/// labelled with its name and iteration count. Names given as arguments pick the workloads.
@main
struct InstructionCounts {
    /// A part of the hot path, repeated `iterations` times.
    struct Workload: Sendable {
        let name: String
        let iterations: Int
        let body: @Sendable () async throws -> Void
    }

    /// Runs the workloads from a task while the main thread waits: valgrind 3.19 fails when the
    /// main thread leaves for libdispatch's main loop, as an `async` main has it do.
    static func main() {
        if callgrind_is_running() == 0 {
            print("Not under valgrind: nothing is counted. Run Benchmarks/instructions.")
        }
        let finished = DispatchSemaphore(value: 0)
        Task.detached {
            do {
                try await run(chosen: Array(CommandLine.arguments.dropFirst()))
            } catch {
                print("InstructionCounts failed: \(error)")
                exit(1)
            }
            finished.signal()
        }
        finished.wait()
    }

    /// Starts the store's fixture and counts the workloads named in `chosen`, or every one.
    private static func run(chosen: [String]) async throws {
        let payment = MachineFixture()
        let awaiting = payment.awaiting
        let fixture = StoreFixture.shared
        try await fixture.start()
        guard let (store, attemptID) = await fixture.ready else { return }
        let hint = WebhookHint(eventID: "evt_benchmark", type: "session.updated", sessionID: payment.open.id, createdAt: Date())
        let workloads = [
            Workload(name: "machine.payment", iterations: 10_000) { _ = payment.completePayment() },
            Workload(name: "machine.quiet-poll", iterations: 10_000) {
                _ = payment.machine.transition(awaiting, .fetched(payment.open, .poll), context: PaymentContext(), now: payment.start + 10)
            },
            Workload(name: "store.quiet-poll", iterations: 200) {
                _ = try await store.apply(
                    .fetched(payment.open, .poll), to: attemptID, machine: payment.machine, completing: nil, leasing: nil, now: Date())
            },
            Workload(name: "store.webhook-hint", iterations: 200) {
                _ = try await store.apply(.webhookHint(hint), to: attemptID, machine: payment.machine, completing: nil, leasing: nil, now: Date())
            },
            Workload(name: "store.attempt-read", iterations: 200) { _ = try await store.attempt(attemptID) },
            Workload(name: "store.attempts-read", iterations: 20) {
                let attempts = try await store.attempts(
                    in: .awaitingConfirmation, submittedBefore: .distantFuture, limit: StoreFixture.awaitingCount)
                precondition(attempts.count == StoreFixture.awaitingCount, "the fixture's attempts are awaiting confirmation")
            },
        ]
        do {
            for workload in workloads where chosen.isEmpty || chosen.contains(workload.name) {
                try await count(workload)
            }
        } catch {
            await fixture.stop()
            throw error
        }
        await fixture.stop()
    }

    /// Warms `workload` up uncounted, then counts its iterations.
    private static func count(_ workload: Workload) async throws {
        for _ in 0..<max(10, workload.iterations / 10) {
            try await workload.body()
        }
        callgrind_start()
        for _ in 0..<workload.iterations {
            try await workload.body()
        }
        callgrind_stop("\(workload.name) \(workload.iterations)")
        print("\(workload.name): \(workload.iterations) iterations")
    }
}
