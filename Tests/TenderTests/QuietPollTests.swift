import Foundation
import Tender
import Testing

@Suite("Quiet polls")
struct QuietPollTests {
    let machine = AttemptMachine()

    @Test("exactly the polls that find the session as it was before the deadline or grace end are quiet, over the whole table")
    func quietExactlyWhereNothingChanges() throws {
        for row in TransitionTable.rows {
            let start = try row.start.attempt()
            let transition = machine.transition(start, row.input, context: PaymentContext(), now: row.now)
            let quiet = QuietPoll(transition, of: row.input, now: row.now)
            let expected: FetchReason? =
                switch (row.start, row.input) {
                case (.awaitingBeforeDeadline, .fetched(let session, .poll)) where session.status == .open && row.now < start.deadline: .poll
                case (.expiredInGrace, .fetched(let session, .gracePoll)), (.canceledInGrace, .fetched(let session, .gracePoll)):
                    session.status == .completed || row.now >= start.graceUntil ? nil : .gracePoll
                default: nil
                }
            #expect(quiet?.reason == expected, "\(row.start.rawValue) + \(Fixture.label(row.input))")
            if let quiet {
                #expect(transition.effects == [.fetch(quiet.reason, at: quiet.nextPollAt)])
                #expect(!transition.changedState && transition.events.isEmpty)
            }
        }
    }

    @Test("a poll of another session, or one that ends the watching, is not quiet")
    func notQuietWhenItCouldMatter() throws {
        let awaiting = try TableStart.awaitingBeforeDeadline.attempt()
        let otherSession = AttemptInput.fetched(Fixture.session(.open, id: "cs_other"), .poll)
        let now = TableStart.awaitingBeforeDeadline.now
        #expect(QuietPoll(machine.transition(awaiting, otherSession, context: PaymentContext(), now: now), of: otherSession, now: now) == nil)

        let expired = try TableStart.expiredInGrace.attempt()
        let lastGracePoll = AttemptInput.fetched(Fixture.session(.open), .gracePoll)
        let graceEnd = expired.graceUntil
        let ending = machine.transition(expired, lastGracePoll, context: PaymentContext(), now: graceEnd)
        #expect(ending.effects.isEmpty)
        #expect(QuietPoll(ending, of: lastGracePoll, now: graceEnd) == nil)
    }

    @Test("a quiet poll is stored with the attempt's version and the poll counted")
    func storedKeepsTheVersion() throws {
        let awaiting = try TableStart.awaitingBeforeDeadline.attempt()
        let input = AttemptInput.fetched(Fixture.session(.open), .poll)
        let now = TableStart.awaitingBeforeDeadline.now
        let transition = machine.transition(awaiting, input, context: PaymentContext(), now: now)
        let quiet = try #require(QuietPoll(transition, of: input, now: now))
        let stored = quiet.stored(transition, now: now).attempt
        #expect(stored.version == awaiting.version)
        #expect(stored.quietPolls == awaiting.quietPolls + 1 && stored.lastQuietPollAt == now)
        #expect(quiet.nextPollAt == now + machine.policy.pollInterval)
        #expect(QuietPoll.isStored(quiet.stored(transition, now: now)))
        #expect(!QuietPoll.isStored(transition))
    }

    @Test("with a poll grid, the next poll falls due at the grid's next point, never after the deadline")
    func pollGridMovesTheNextPollUp() throws {
        var policy = AttemptPolicy()
        policy.pollGrid = .seconds(1)
        let gridded = AttemptMachine(policy: policy)
        let awaiting = try TableStart.awaitingBeforeDeadline.attempt()
        let input = AttemptInput.fetched(Fixture.session(.open), .poll)
        let now = TableStart.awaitingBeforeDeadline.now + 0.25
        let quiet = try #require(QuietPoll(gridded.transition(awaiting, input, context: PaymentContext(), now: now), of: input, now: now))
        let unmoved = now + policy.pollInterval
        #expect(quiet.nextPollAt >= unmoved && quiet.nextPollAt < unmoved + 1)
        #expect(quiet.nextPollAt.timeIntervalSince1970.truncatingRemainder(dividingBy: 1) == 0 || quiet.nextPollAt == awaiting.deadline)
        #expect(quiet.nextPollAt <= awaiting.deadline)
        #expect(policy.onPollGrid(Date(timeIntervalSince1970: 10)) == Date(timeIntervalSince1970: 10))
        #expect(policy.onPollGrid(Date(timeIntervalSince1970: 10.001)) == Date(timeIntervalSince1970: 11))
        #expect(AttemptPolicy().onPollGrid(Date(timeIntervalSince1970: 10.5)) == Date(timeIntervalSince1970: 10.5))
    }
}
