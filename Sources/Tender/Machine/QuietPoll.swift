import Foundation

/// A poll that learned nothing: its answer left the attempt as it was and only asks for the same
/// poll again. A store writes it cheaply — the claimed task completed, the next poll scheduled and
/// the poll counted on the attempt (``Attempt/quietPolls``, ``Attempt/lastQuietPollAt``) — with no
/// new version, no history row and no event.
///
/// Anything that changed or could have changed something is not quiet and keeps its history row:
/// a failed poll (its error is evidence), a fetch for any other reason (a webhook, the final poll,
/// a verification), a session other than the attempt's, a poll that ends the watching, schedules
/// another task or one due at once, and every change to the attempt beyond its version.
public struct QuietPoll: Sendable, Hashable {
    /// The poll's reason: ``FetchReason/poll`` or ``FetchReason/gracePoll``.
    public var reason: FetchReason
    /// When the same poll is due again.
    public var nextPollAt: Date

    /// The quiet poll that `transition`, the machine's answer to `input` at `now`, is; nil when it
    /// is not one.
    public init?(_ transition: Transition, of input: AttemptInput, now: Date) {
        guard case .fetched(let session, let reason) = input, [.poll, .gracePoll].contains(reason),
            let previous = transition.previous, previous.sessionID == session.id,
            transition.effects.count == 1, case .fetch(reason, let nextPollAt) = transition.effects[0], nextPollAt > now
        else { return nil }
        var unchanged = previous
        unchanged.version = transition.attempt.version
        guard transition.attempt == unchanged else { return nil }
        self.reason = reason
        self.nextPollAt = nextPollAt
    }

    /// `transition` as stored: the attempt keeps its version and counts the poll made at `now`.
    public func stored(_ transition: Transition, now: Date) -> Transition {
        var stored = transition
        if let previous = transition.previous {
            stored.attempt.version = previous.version
        }
        stored.attempt.quietPolls += 1
        stored.attempt.lastQuietPollAt = now
        return stored
    }

    /// Whether `transition` is a quiet poll as a store wrote it (``stored(_:now:)``): every other
    /// transition gives its attempt a new version.
    public static func isStored(_ transition: Transition) -> Bool {
        transition.previous.map { $0.version == transition.attempt.version } ?? false
    }
}
