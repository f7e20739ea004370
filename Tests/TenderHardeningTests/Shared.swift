import Synchronization

/// A value several tasks read and write (a `Mutex` that closures can capture).
final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    /// The current value.
    var value: Value { mutex.withLock { $0 } }

    /// Changes the value.
    func update(_ change: (inout Value) -> Void) { mutex.withLock { change(&$0) } }
}
