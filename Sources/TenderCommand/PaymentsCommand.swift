import ArgumentParser

/// `tender payments`: the operator's view of payments — show one with its history, list stuck
/// attempts, resolve one by hand, refund one, erase a payer's personal data.
struct PaymentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payments",
        abstract: "Inspect payments, resolve stuck attempts by hand and refund payments.",
        subcommands: [
            PaymentsShowCommand.self, PaymentsListCommand.self, PaymentsResolveCommand.self, PaymentsRefundCommand.self,
            PaymentsForgetCommand.self,
        ]
    )
}
