/// What a ``PostgresListener`` reports.
public enum PostgresListenerEvent: Sendable, Hashable {
    /// The listener has (re)connected and issued `LISTEN` for every channel. Notifications sent
    /// while it was disconnected are lost, so a consumer should resynchronise from the database.
    case listening
    /// A `NOTIFY` on one of the channels.
    case notification(channel: String, payload: String)
}
