import Foundation
import HeapModule

/// The near-future due times a worker knows of, earliest first: a timer heap for deadlines and
/// one for the tasks that make gateway calls, since the two are fired by different actions.
struct TaskTimer {
    private var calls = Heap<Date>()
    private var deadlines = Heap<Date>()

    /// The earliest due time of a task making a call, if any.
    var nextCall: Date? { calls.min }

    /// The earliest due time of a deadline, if any.
    var nextDeadline: Date? { deadlines.min }

    /// Remembers a due time of a task of `kind`; of unknown kind (`nil`), on both heaps.
    mutating func schedule(_ dueAt: Date, kind: TaskKind?) {
        if kind != .deadline {
            calls.insert(dueAt)
        }
        if kind == nil || kind == .deadline {
            deadlines.insert(dueAt)
        }
    }

    /// Removes every due time up to `now`; returns whether there was any of a call and of a
    /// deadline.
    mutating func popDue(now: Date) -> (calls: Bool, deadlines: Bool) {
        (Self.popDue(&calls, now: now), Self.popDue(&deadlines, now: now))
    }

    private static func popDue(_ heap: inout Heap<Date>, now: Date) -> Bool {
        var popped = false
        while let first = heap.min, first <= now {
            heap.removeMin()
            popped = true
        }
        return popped
    }
}
