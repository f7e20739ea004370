import Testing

@testable import TenderHTTP

/// The throttle that keeps refused webhooks from filling the log: the first line goes through,
/// the ones within the interval are held and counted, the next line after it says how many.
@Suite("Log throttle")
struct LogThrottleTests {
    @Test("one line per interval, and the next one counts what was held back")
    func oneLinePerInterval() {
        var throttle = LogThrottle(interval: .seconds(60))
        let start = ContinuousClock.now
        #expect(throttle.admit(at: start) == 0)
        for second in 1...99 {
            #expect(throttle.admit(at: start + .milliseconds(second * 500)) == nil)
        }
        #expect(throttle.admit(at: start + .seconds(60)) == 99)
        #expect(throttle.admit(at: start + .seconds(61)) == nil)
        #expect(throttle.admit(at: start + .seconds(125)) == 1)
    }
}
