import Foundation
import Tender
import Testing

@Suite("Transition table")
struct TransitionTableTests {
    let machine = AttemptMachine()

    @Test("every input in every state gives the outcome the rules give", arguments: TransitionTable.rows)
    func row(_ row: TableRow) throws {
        let start = try row.start.attempt()
        let transition = machine.transition(start, row.input, context: PaymentContext(), now: row.now)
        let next = transition.attempt
        let expected = row.expected

        #expect(transition.previous == start)
        #expect(next.version == start.version + 1)
        #expect(transition.effects == expected.effects)

        if expected.onlyRecorded {
            var recorded = start
            recorded.version += 1
            recorded.retries = expected.retries == 0 ? start.retries : expected.retries
            #expect(next == recorded)
            #expect(!transition.changedState)
            return
        }

        #expect(next.state == expected.state)
        #expect(next.stage == (expected.stage ?? start.stage))
        #expect((next.code != nil) == expected.keepsCode)
        #expect(next.failure == expected.failure)
        #expect(next.late == expected.late)
        #expect(next.duplicate == false)
        #expect(next.retries == expected.retries)
        #expect(next.sessionID == (expected.sessionID ?? start.sessionID))
        #expect(next.id == start.id && next.paymentID == start.paymentID && next.deadline == start.deadline)

        if next.state != start.state && next.state.rank >= AttemptState.expired.rank {
            // An outcome records when and how it was learned.
            #expect(next.resolvedAt == row.now)
            // An open session (or no answer) past the deadline: the deadline taught the expiry.
            let expiredByDeadline: Bool
            switch row.input {
            case .fetched(let session, _): expiredByDeadline = next.state == .expired && session.status == .open
            case .fetchFailed: expiredByDeadline = next.state == .expired
            default: expiredByDeadline = false
            }
            #expect(next.outcomeSource == (expiredByDeadline ? .deadline : row.input.source))
        } else {
            #expect(next.resolvedAt == start.resolvedAt)
            #expect(next.outcomeSource == start.outcomeSource)
        }
    }

    @Test("the table has a row for every input in every state")
    func coversEveryPair() {
        struct Pair: Hashable {
            var start: TableStart
            var input: AttemptInput
        }
        let covered = Set(TransitionTable.rows.map { Pair(start: $0.start, input: $0.input) })
        for start in TableStart.allCases {
            for input in Fixture.allInputs {
                #expect(covered.contains(Pair(start: start, input: input)), "\(start.rawValue) + \(Fixture.label(input))")
            }
        }
        #expect(Fixture.allInputs.count == 46)
    }

    @Test("the table gives each pair exactly one expectation at the situation's time")
    func noConflictingRows() {
        struct Key: Hashable {
            var start: TableStart
            var input: AttemptInput
            var now: Date
        }
        var seen = Set<Key>()
        for row in TransitionTable.rows {
            #expect(seen.insert(Key(start: row.start, input: row.input, now: row.now)).inserted, "\(row.testDescription)")
        }
    }

    @Test("inputs carry the source the rules name")
    func inputSources() {
        let session = Fixture.session(.open)
        let expected: [(AttemptInput, InputSource)] = [
            (.sessionCreated(session), .gatewayResponse),
            (.payAnswered(session), .gatewayResponse),
            (.callFailed(.pay, Fixture.retryLater), .gatewayResponse),
            (.fetched(session, .webhook), .webhook),
            (.fetched(session, .poll), .poll),
            (.fetched(session, .gracePoll), .poll),
            (.fetched(session, .finalPoll), .deadline),
            (.fetched(session, .verifyCall), .fetch),
            (.fetchFailed(.poll, Fixture.retryLater), .poll),
            (.fetchFailed(.verifyCall, Fixture.retryLater), .fetch),
            (.webhookHint(Fixture.hint), .webhook),
            (.deadlineReached, .deadline),
            (.cancelRequested, .orderSystem),
            (Fixture.cancels[1], .operator),
            (.resolvedByOperator(Resolution(state: .failed, reason: "x", operatorName: "ops")), .operator),
        ]
        for (input, source) in expected {
            #expect(input.source == source, "\(Fixture.label(input))")
        }
    }

    @Test("a submission creates the session now and schedules the deadline")
    func submission() throws {
        let now = Fixture.t0
        let transition = machine.submit(try Fixture.submission(), now: now)
        let attempt = transition.attempt
        #expect(transition.previous == nil)
        #expect(transition.changedState)
        #expect(attempt.state == .submitted && attempt.stage == .creatingSession)
        #expect(attempt.version == 1)
        #expect(attempt.code == (try Fixture.code()))
        #expect(attempt.sessionID == nil)
        #expect(attempt.deadline == Fixture.t(90))
        #expect(attempt.graceUntil == Fixture.t(990))
        #expect(transition.effects == [.call(.createSession, at: now), .scheduleDeadline(at: Fixture.t(90))])
        #expect(!transition.note.contains(Fixture.digits))
    }
}
