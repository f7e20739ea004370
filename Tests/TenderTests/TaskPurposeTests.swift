import Tender
import Testing

@Suite("Task purpose")
struct TaskPurposeTests {
    /// Every purpose there is: each call, each fetch reason, the deadline, each refund step.
    static let all: [TaskPurpose] =
        GatewayCall.allCases.map(TaskPurpose.call) + FetchReason.allCases.map(TaskPurpose.fetch) + [.deadline]
        + RefundStep.allCases.map(TaskPurpose.refund)

    @Test("every purpose reads back from the kind and reason it is stored as", arguments: all)
    func roundTrip(purpose: TaskPurpose) {
        #expect(TaskPurpose(kind: purpose.kind, reason: purpose.reason) == purpose)
    }

    @Test("a reason reads back with another kind only as a poll, which session and refund polls share", arguments: all, TaskKind.allCases)
    func reasonOfAnotherKind(purpose: TaskPurpose, kind: TaskKind) {
        guard kind != purpose.kind else { return }
        let read = TaskPurpose(kind: kind, reason: purpose.reason)
        #expect(read == nil || (purpose.reason == "poll" && read?.isBudgeted == true && purpose.isBudgeted))
    }

    @Test("an unknown reason reads back as nothing", arguments: TaskKind.allCases)
    func unknownReason(kind: TaskKind) {
        #expect(TaskPurpose(kind: kind, reason: "teleport") == nil)
        #expect(TaskPurpose(kind: kind, reason: "") == nil)
    }

    @Test("only polls wait for the poll budget")
    func budgetedPurposes() {
        #expect(Self.all.filter(\.isBudgeted) == [.fetch(.poll), .fetch(.gracePoll), .refund(.poll)])
    }
}
