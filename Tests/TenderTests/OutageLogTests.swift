import Foundation
import Logging
import Testing

@testable import Tender

/// The outage log starts an outage on the first failure, ends it on the next success, and takes a
/// cancelled task's failure for the engine stopping.
@Suite("Outage log")
struct OutageLogTests {
    let t = Fixture.t
    let logger = Logger(label: "OutageLogTests")

    @Test("the first failure starts an outage and the next success ends it")
    func failureThenSuccess() {
        var outage = OutageLog()
        outage.failed("sweep", error: Unreachable(), at: t(1), logger: logger)
        outage.failed("claiming tasks", error: Unreachable(), at: t(2), logger: logger)
        #expect(outage.since == t(1))
        outage.succeeded(at: t(3), logger: logger)
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
