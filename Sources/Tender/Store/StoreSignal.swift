import Foundation

/// A notice from the store that other processes changed something a worker should react to.
public enum StoreSignal: Sendable, Hashable {
    /// A task falls due soon at this time.
    case taskDue(Date)
    /// New outbox events were committed.
    case eventsAppended
    /// Notices may have been missed (the store reconnected): look again.
    case resync
}
