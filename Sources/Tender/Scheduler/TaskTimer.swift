import Foundation
import HeapModule

/// The near-future due times a worker knows of, earliest first: a timer heap.
struct TaskTimer {
    private var heap = Heap<Date>()

    /// The earliest due time, if any.
    var next: Date? { heap.min }

    /// Remembers a due time.
    mutating func schedule(_ dueAt: Date) {
        heap.insert(dueAt)
    }

    /// Removes every due time up to `now`; returns whether there was any.
    mutating func popDue(now: Date) -> Bool {
        var popped = false
        while let first = heap.min, first <= now {
            heap.removeMin()
            popped = true
        }
        return popped
    }
}
