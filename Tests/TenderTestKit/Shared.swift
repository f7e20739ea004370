import Synchronization

/// A value several tasks read and write (a `Mutex` that closures can capture).
public final class Shared<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    /// A box holding `value`.
    public init(_ value: Value) { mutex = Mutex(value) }

    /// The current value.
    public var value: Value { mutex.withLock { $0 } }

    /// Changes the value.
    public func update(_ change: (inout Value) -> Void) { mutex.withLock { change(&$0) } }
}
