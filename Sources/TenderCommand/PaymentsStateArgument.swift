import ArgumentParser
import Tender

/// An attempt state on the command line, in either spelling: `awaiting_confirmation` (as stored
/// and in the JSON API) or `awaitingConfirmation` (as in Swift).
struct PaymentsStateArgument: ExpressibleByArgument, Sendable {
    var state: AttemptState

    init?(argument: String) {
        let wanted = Self.normalized(argument)
        guard let state = AttemptState.allCases.first(where: { Self.normalized($0.rawValue) == wanted }) else { return nil }
        self.state = state
    }

    static var allValueStrings: [String] { AttemptState.allCases.map(\.rawValue) }

    private static func normalized(_ text: String) -> String {
        text.lowercased().filter { $0 != "_" && $0 != "-" }
    }
}
