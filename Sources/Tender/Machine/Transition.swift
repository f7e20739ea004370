/// The result of applying one input to an attempt: its next value and what must happen next.
public struct Transition: Sendable, Hashable {
    /// The attempt before the input; `nil` for a submission.
    public var previous: Attempt?
    /// The attempt after the input, with the next version.
    public var attempt: Attempt
    /// What the input set in motion.
    public var effects: [Effect]
    /// A short human account of the transition for the history, never containing secrets.
    public var note: String

    /// Creates a transition.
    public init(previous: Attempt?, attempt: Attempt, effects: [Effect], note: String) {
        self.previous = previous
        self.attempt = attempt
        self.effects = effects
        self.note = note
    }

    /// Whether the attempt's state changed.
    public var changedState: Bool { previous?.state != attempt.state }

    /// The events the transition emits.
    public var events: [OrderEventType] {
        effects.compactMap { if case .emit(let type) = $0 { type } else { nil } }
    }

    /// Whether the transition makes the payment completed by this attempt (and not as a duplicate).
    public var completesPayment: Bool {
        changedState && attempt.state == .completed && !attempt.duplicate
    }
}
