// The example of docs/embedding.md, compiled here so that it cannot drift from the API:
// EmbeddingExampleTests checks that the page shows this file from its first import on.

import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Tender
import TenderWorker

/// The whole worker beside the order system's own services, configured like `tender worker`
/// (flags aside): environment variables over an optional `TENDER_CONFIG_FILE`.
func runTenderBesideTheShop(shopServices: [any Service], logger: Logger) async throws {
    let reader = try await TenderConfiguration.reader(environment: ProcessInfo.processInfo.environment)
    let configuration = try TenderConfiguration(reading: reader)
    let worker = TenderWorker(configuration: configuration, logger: logger)
    // Services stop in reverse order: the shop's first, then the worker.
    let group = ServiceGroup(services: [worker] + shopServices, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
    try await group.run()
}

/// The parts: the shop's own router serves Tender's routes beside its own, and the shop calls
/// the engine in-process.
func runShopWithTenderParts(configuration: TenderConfiguration, logger: Logger) async throws {
    try await TenderStack.withStack(configuration, logger: logger) { stack in
        let router = Router()
        stack.api().add(to: router)  // the webhook route, /v1, /healthz, /readyz, /metrics
        router.post("/orders/:id/blik") { request, context -> BLIKAnswer in
            let form = try await request.decode(as: BLIKForm.self, context: context)
            let result = try await stack.engine.submit(
                paymentID: PaymentID(rawValue: try context.parameters.require("id")),
                amount: try Money(minorUnits: form.amount, currency: .pln),
                customer: try Customer(email: form.email, firstName: form.firstName, lastName: form.lastName),
                code: try BLIKCode(form.code),
                idempotencyKey: form.requestID
            )
            return BLIKAnswer(attemptID: "\(result.attempt.id)", state: result.attempt.state.rawValue)
        }
        let server = Application(router: router, configuration: .init(address: .hostname("0.0.0.0", port: 8080)), logger: logger)
        // The engine first, so that it stops last: the server stops taking submissions and
        // webhooks, the consumer stops, then the engine lets its gateway calls finish.
        let group = ServiceGroup(
            services: [stack.engine, OrderEventConsumer(engine: stack.engine, logger: logger), server],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        try await group.run()
    }
}

/// Marks orders paid, or asks for a new code, from the engine's events.
struct OrderEventConsumer: Service {
    static let name = "orders"
    let engine: PaymentEngine
    let logger: Logger

    func run() async throws {
        let start = try await engine.acknowledged(consumer: Self.name)
        for try await event in engine.events(after: start).cancelOnGracefulShutdown() {
            handle(event)
            try await engine.acknowledge(consumer: Self.name, upTo: event.sequence)
        }
    }

    /// Must be idempotent: an event may come again after a crash.
    func handle(_ event: OrderEvent) {
        switch event.type {
        case .completed, .completedLate:
            logger.info("order paid", metadata: ["order": "\(event.paymentID)"])
        case .expired, .failed:
            if event.asksForNewCode {
                logger.info("ask the payer for a new BLIK code", metadata: ["order": "\(event.paymentID)"])
            }
        case .duplicateCharge:
            logger.warning("payer charged twice; Tender refunds the second charge unless told not to", metadata: ["order": "\(event.paymentID)"])
        default:
            break
        }
    }
}

/// The shop's form: a BLIK code for an order.
struct BLIKForm: Decodable {
    var code: String
    var amount: Int64
    var email: String
    var firstName: String
    var lastName: String
    /// Made once per form submission by the shop's page, so that a retried request is recognised.
    var requestID: String
}

/// The attempt the code started.
struct BLIKAnswer: ResponseEncodable {
    var attemptID: String
    var state: String
}
