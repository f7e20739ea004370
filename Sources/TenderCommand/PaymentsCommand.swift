import ArgumentParser

/// `tender payments`: the operator's view of payments — show one with its history, list stuck
/// attempts, resolve one by hand, erase a payer's personal data.
struct PaymentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments",
        abstract: "Inspect payments and resolve stuck attempts by hand.",
        subcommands: [PaymentsShowCommand.self, PaymentsListCommand.self, PaymentsResolveCommand.self, PaymentsForgetCommand.self]
    )
}
