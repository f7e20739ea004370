import ArgumentParser
import Tender

/// `tender payments forget ID`: erases a payer's personal data from a payment, keeping ids,
/// amounts and outcomes for the books.
struct PaymentsForgetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forget",
        abstract: "Erase the payer's name and e-mail from a payment; ids, amounts and outcomes stay.",
        discussion: """
            Replaces the customer of every attempt of the payment with a stand-in, drops the copy kept \
            to recognise a replayed submission and empties the bodies of the attempts' webhooks, in one \
            transaction. Refused while an attempt is in flight, since the gateway still needs the \
            customer; a submission replayed under its old key is refused afterwards.
            """
    )

    @Argument(help: "The payment id.")
    var paymentID: String

    @OptionGroup var database: PaymentsDatabaseOptions

    func run() async throws {
        let logger = PaymentsDatabaseOptions.logger("tender.payments")
        let id = try PaymentID(validating: paymentID)
        let erased = try await database.withStore(logger: logger) { store in
            try await store.forgetCustomer(of: id)
        }
        print("Erased the customer of payment \(id) from \(erased) attempt\(erased == 1 ? "" : "s").")
    }
}
