import Foundation
import Logging
import Testing

@testable import Tender

/// The outage log starts an outage on the first failure, ends it once the store has answered for
/// a second without a failure, and takes a cancelled task's failure for the engine stopping.
@Suite("Outage log")
struct OutageLogTests {
    let t = Fixture.t
    let logger = Logger(label: "OutageLogTests")

    @Test("the first failure starts an outage, and a second of answers without a failure ends it")
    func failureThenSuccess() {
        var outage = OutageLog()
        outage.failed("sweep", error: Unreachable(), at: t(1), logger: logger)
        outage.failed("claiming tasks", error: Unreachable(), at: t(2), logger: logger)
        #expect(outage.since == t(1))
        outage.succeeded(at: t(3), logger: logger)
        outage.succeeded(at: t(3.5), logger: logger)
        #expect(outage.since == t(1), "answering for half a second")
        outage.succeeded(at: t(4.5), logger: logger)
        #expect(outage.since == nil)
    }

    @Test("a failure while the store settles belongs to the same outage")
    func failureWhileSettling() {
        var outage = OutageLog()
        outage.failed("sweep", error: Unreachable(), at: t(1), logger: logger)
        outage.succeeded(at: t(2), logger: logger)
        outage.failed("firing deadlines", error: Unreachable(), at: t(2.5), logger: logger)
        outage.succeeded(at: t(3), logger: logger)
        #expect(outage.since == t(1), "one outage, not a second")
        outage.succeeded(at: t(3.5), logger: logger)
        #expect(outage.since == t(1), "answering for half a second since the last failure")
        outage.succeeded(at: t(4.5), logger: logger)
        #expect(outage.since == nil)
    }

    @Test("a cancelled task's failure starts no outage")
    func cancelledTaskIsNoOutage() async {
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            var outage = OutageLog()
            outage.failed("extending leases", error: CancellationError(), at: Fixture.t(1), logger: Logger(label: "OutageLogTests"))
            return outage.since
        }
        #expect(await task.value == nil)
    }
}

/// A store that did not answer.
private struct Unreachable: Error {}
