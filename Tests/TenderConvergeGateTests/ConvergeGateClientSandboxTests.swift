import Foundation
import Logging
import Tender
import TenderConvergeGate
import TenderSandbox
import TenderTestKit
import Testing

/// The client against the sandbox gateway over real HTTP.
@Suite("Client against the sandbox")
struct ConvergeGateClientSandboxTests {
    static let key = "sk_test_BQokikJOvBiI2HlWgH4olfQ2"

    /// Runs `body` with a sandbox (a manual bank unless told otherwise) and a client pointed at it.
    static func withGateway<T: Sendable>(
        _ sandboxConfiguration: SandboxConfiguration = SandboxConfiguration(secretKey: key, manualBank: true),
        clientKey: String = key,
        timeouts: ConvergeGateConfiguration.Timeouts = .init(),
        logger: Logger = Logger(label: "test"),
        _ body: (ConvergeGateSandbox, ConvergeGateClient) async throws -> T
    ) async throws -> T {
        try await ConvergeGateSandbox.withRunning(sandboxConfiguration, logger: Logger(label: "sandbox")) { sandbox in
            let configuration = try ConvergeGateConfiguration(baseURL: await sandbox.baseURL, secretKey: clientKey, timeouts: timeouts)
            return try await ConvergeGateClient.withClient(configuration: configuration, logger: logger) { client in
                try await body(sandbox, client)
            }
        }
    }

    static func sessionRequest(amount: Int64 = 1000, currency: Currency = .pln) throws -> SessionRequest {
        SessionRequest(
            amount: try Money(minorUnits: amount, currency: currency),
            customer: try Customer(email: "john@example.com", firstName: "Jan", lastName: "Kowalski & Syn"),
            expiresAt: Date().addingTimeInterval(600),
            notificationURL: nil,
            metadata: ["attempt_id": "a-1", "payment id": "p&1=2"]
        )
    }

    /// The gateway error `call` throws, or `nil` when it succeeds; any other error is an issue.
    static func gatewayError(_ call: () async throws -> Void) async -> GatewayError? {
        do {
            try await call()
            return nil
        } catch let error as GatewayError {
            return error
        } catch {
            Issue.record("not a GatewayError: \(error)")
            return nil
        }
    }

    @Test("create, pay and retrieve decode the session as it moves from open to completed")
    func happyPath() async throws {
        try await Self.withGateway { sandbox, client in
            let created = try await client.createSession(Self.sessionRequest(), idempotencyKey: "create-1")
            #expect(created.status == .open)
            #expect(created.amount == 1000)
            #expect(created.amountRefunded == 0)

            let paid = try await client.pay(sessionID: created.id, code: BLIKCode("123456"), idempotencyKey: "pay-1")
            #expect(paid == GatewaySession(id: created.id, status: .open, amount: 1000, currency: "PLN"))
            #expect(try await client.session(id: created.id).status == .open)

            try await sandbox.complete(sessionID: created.id)
            #expect(try await client.session(id: created.id) == GatewaySession(id: created.id, status: .completed, amount: 1000, currency: "PLN"))

            let ledger = await sandbox.ledger()
            #expect(ledger.sessions.count == 1)
            #expect(ledger.session(created.id)?.acceptedPayCalls == 1)
            #expect(ledger.charges.map(\.sessionID) == [created.id])
        }
    }

    @Test("a code the bank confirms at once answers completed, and an expired session decodes")
    func immediateAndExpired() async throws {
        try await Self.withGateway { sandbox, client in
            let first = try await client.createSession(Self.sessionRequest(), idempotencyKey: "c-1")
            let paid = try await client.pay(sessionID: first.id, code: BLIKCode(MagicBLIKCode.immediateCompletion.rawValue), idempotencyKey: "p-1")
            #expect(paid.status == .completed)

            let second = try await client.createSession(Self.sessionRequest(), idempotencyKey: "c-2")
            try await sandbox.expire(sessionID: second.id)
            #expect(try await client.session(id: second.id).status == .expired)
        }
    }

    @Test("a wrong key is a configuration error")
    func wrongKey() async throws {
        try await Self.withGateway(clientKey: "sk_test_wrong") { _, client in
            let error = await Self.gatewayError { _ = try await client.session(id: "AW-anything") }
            #expect(error?.kind == .configuration)
            #expect(error?.httpStatus == 401)
            #expect(error?.type == "authentication_error")
        }
    }

    @Test("a parameter the gateway refuses is a rejected request naming the parameter")
    func validationError() async throws {
        try await Self.withGateway { _, client in
            let request = try Self.sessionRequest(currency: .eur)
            let error = await Self.gatewayError { _ = try await client.createSession(request, idempotencyKey: "eur") }
            #expect(error?.kind == .requestRejected)
            #expect(error?.httpStatus == 400)
            #expect(error?.type == "invalid_request_error")
            #expect(error?.message?.hasPrefix("currency: ") == true)
        }
    }

    @Test("an unknown session is a rejected request")
    func unknownSession() async throws {
        try await Self.withGateway { _, client in
            let error = await Self.gatewayError { _ = try await client.session(id: "AW-doesNotExist") }
            #expect(error?.kind == .requestRejected)
            #expect(error?.httpStatus == 404)
        }
    }

    @Test(
        "a refused code means the payer must act, with the reason, and leaves the session open",
        arguments: [
            (MagicBLIKCode.invalid, DeclineReason.invalidCode), (.expired, .codeExpired), (.used, .codeUsed),
            (.insufficientFunds, .insufficientFunds), (.doNotHonor, .doNotHonor),
        ]
    )
    func refusedCodes(magic: MagicBLIKCode, reason: DeclineReason) async throws {
        let record = LogCapture()
        try await Self.withGateway(logger: record.logger(label: "test")) { _, client in
            let session = try await client.createSession(Self.sessionRequest(), idempotencyKey: "c")
            let code = try BLIKCode(magic.rawValue)
            let error = await Self.gatewayError { _ = try await client.pay(sessionID: session.id, code: code, idempotencyKey: "p") }
            #expect(error?.kind == .payerMustAct(reason))
            #expect(error?.httpStatus == 402)
            #expect(error?.type == "voucher_error")
            for text in [String(describing: error), String(reflecting: error)] {
                #expect(!text.contains(magic.rawValue))
            }
            #expect(try await client.session(id: session.id).status == .open)
        }
        #expect(!record.all.isEmpty)
        #expect(!record.all.contains { $0.contains(magic.rawValue) || $0.contains(Self.key) })
    }

    @Test("paying a session that is no longer open is a rejected request")
    func payClosedSession() async throws {
        try await Self.withGateway { sandbox, client in
            let session = try await client.createSession(Self.sessionRequest(), idempotencyKey: "c")
            try await sandbox.expire(sessionID: session.id)
            let error = await Self.gatewayError {
                _ = try await client.pay(sessionID: session.id, code: BLIKCode("123456"), idempotencyKey: "p")
            }
            #expect(error?.kind == .requestRejected)
            #expect(error?.httpStatus == 400)
        }
    }

    @Test("a server error is retry-later")
    func serverError() async throws {
        try await Self.withGateway { sandbox, client in
            let session = try await client.createSession(Self.sessionRequest(), idempotencyKey: "c")
            let code = try BLIKCode(MagicBLIKCode.serverError.rawValue)
            let error = await Self.gatewayError { _ = try await client.pay(sessionID: session.id, code: code, idempotencyKey: "p") }
            #expect(error?.kind == .retryLater)
            #expect(error?.httpStatus == 500)
            #expect(await sandbox.ledger().session(session.id)?.acceptedPayCalls == 0)
        }
    }

    @Test("an endpoint failing with 5xx is retry-later")
    func endpointServerErrors() async throws {
        let configuration = SandboxConfiguration(secretKey: Self.key, endpoints: [.create: EndpointChaos(serverErrorRate: 1)], manualBank: true)
        try await Self.withGateway(configuration) { sandbox, client in
            let request = try Self.sessionRequest()
            let error = await Self.gatewayError { _ = try await client.createSession(request, idempotencyKey: "c") }
            #expect(error?.kind == .retryLater)
            #expect(error?.httpStatus == 500)
            #expect(await sandbox.ledger().sessions.isEmpty)
        }
    }

    @Test("a pay applied but answered too late is retry-later with the outcome unknown")
    func payTimeout() async throws {
        let configuration = SandboxConfiguration(
            secretKey: Self.key,
            endpoints: [.pay: EndpointChaos(timeoutDelay: .seconds(600))],
            manualBank: true
        )
        // The read timeout must outlast a loaded machine's create call (three seconds did not,
        // while the whole suite started), and the held answer must outlast the read timeout.
        let timeouts = ConvergeGateConfiguration.Timeouts(connect: .seconds(5), read: .seconds(15))
        try await Self.withGateway(configuration, timeouts: timeouts) { sandbox, client in
            let session = try await client.createSession(Self.sessionRequest(), idempotencyKey: "c")
            let code = try BLIKCode(MagicBLIKCode.acceptThenTimeout.rawValue)
            let error = await Self.gatewayError { _ = try await client.pay(sessionID: session.id, code: code, idempotencyKey: "p") }
            #expect(error?.kind == .retryLater)
            #expect(error?.outcomeUnknown == true)
            #expect(error?.httpStatus == nil)
            // The gateway did take the code: only fetching the session tells.
            #expect(await sandbox.ledger().session(session.id)?.acceptedPayCalls == 1)
            #expect(try await client.session(id: session.id).status == .open)
        }
    }

    @Test("a create applied but answered too late is retry-later with the outcome unknown")
    func createTimeout() async throws {
        let configuration = SandboxConfiguration(
            secretKey: Self.key,
            endpoints: [.create: EndpointChaos(acceptThenTimeoutRate: 1, timeoutDelay: .seconds(600))],
            manualBank: true
        )
        // Three seconds is ample for the request to reach the sandbox on a busy machine (500 ms was
        // not), and the answer is held far longer.
        let timeouts = ConvergeGateConfiguration.Timeouts(connect: .seconds(5), read: .seconds(3))
        try await Self.withGateway(configuration, timeouts: timeouts) { sandbox, client in
            let request = try Self.sessionRequest()
            let error = await Self.gatewayError { _ = try await client.createSession(request, idempotencyKey: "c") }
            #expect(error?.kind == .retryLater)
            #expect(error?.outcomeUnknown == true)
            let applied = try await waitUntil(timeout: .seconds(120), every: .milliseconds(20)) { await sandbox.ledger().sessions.count == 1 }
            #expect(applied, "waiting for the sandbox to have applied the create")
        }
    }

    @Test("a create repeated under its key replays the session; with other parameters it opens a new one, not a 409")
    func idempotencyKey() async throws {
        try await Self.withGateway { sandbox, client in
            let request = try Self.sessionRequest()
            let first = try await client.createSession(request, idempotencyKey: "attempt-7")
            let replay = try await client.createSession(request, idempotencyKey: "attempt-7")
            #expect(replay == first)
            #expect(await sandbox.ledger().sessions.count == 1)

            var moved = request
            moved.notificationURL = "https://shop.example/webhooks/convergegate"
            let second = try await client.createSession(moved, idempotencyKey: "attempt-7")
            #expect(second.id != first.id)
            #expect(await sandbox.ledger().sessions.map(\.id) == [first.id, second.id])
        }
    }

    @Test("a pay repeated under its key with another code finds the key taken: replayed later, its outcome unknown")
    func payKeyConflict() async throws {
        try await Self.withGateway { sandbox, client in
            let session = try await client.createSession(Self.sessionRequest(), idempotencyKey: "c")
            _ = try await client.pay(sessionID: session.id, code: BLIKCode("123456"), idempotencyKey: "p")
            let error = await Self.gatewayError { _ = try await client.pay(sessionID: session.id, code: BLIKCode("654321"), idempotencyKey: "p") }
            #expect(error?.kind == .retryLater && error?.outcomeUnknown == true)
            #expect(error?.httpStatus == 409)
            #expect(await sandbox.ledger().session(session.id)?.acceptedPayCalls == 1)
        }
    }

    @Test("a completed session refunds in parts up to its amount, and no further")
    func refunds() async throws {
        try await Self.withGateway { sandbox, client in
            let session = try await client.createSession(Self.sessionRequest(), idempotencyKey: "c")
            _ = try await client.pay(sessionID: session.id, code: BLIKCode(MagicBLIKCode.immediateCompletion.rawValue), idempotencyKey: "p")

            let part = try await client.refund(sessionID: session.id, amount: 400, reason: .requestedByCustomer, idempotencyKey: "r-1")
            #expect(part.amount == 400)
            #expect(part.status == .pending)
            #expect(try await client.refund(id: part.id).id == part.id)

            let tooMuch = await Self.gatewayError {
                _ = try await client.refund(sessionID: session.id, amount: 601, reason: .duplicated, idempotencyKey: "r-2")
            }
            #expect(tooMuch?.kind == .requestRejected)
            #expect(tooMuch?.httpStatus == 400)
            #expect(tooMuch?.message?.hasPrefix("amount: ") == true)

            let rest = try await client.refund(sessionID: session.id, amount: nil, reason: .duplicated, idempotencyKey: "r-3")
            #expect(rest.amount == 600)
            #expect(try await client.session(id: session.id).amountRefunded == 1000)
            #expect(await sandbox.ledger().refunds.map(\.amount) == [400, 600])
        }
    }

    @Test("an open session cannot be refunded")
    func refundOpenSession() async throws {
        try await Self.withGateway { _, client in
            let session = try await client.createSession(Self.sessionRequest(), idempotencyKey: "c")
            let error = await Self.gatewayError {
                _ = try await client.refund(sessionID: session.id, amount: nil, reason: .fraudulent, idempotencyKey: "r")
            }
            #expect(error?.kind == .requestRejected)
        }
    }

    @Test("the logs name paths and statuses but never the key or the code")
    func logs() async throws {
        let record = LogCapture()
        let code = "482913"
        try await Self.withGateway(logger: record.logger(label: "test")) { sandbox, client in
            let session = try await client.createSession(Self.sessionRequest(), idempotencyKey: "c")
            _ = try await client.pay(sessionID: session.id, code: BLIKCode(code), idempotencyKey: "p")
            try await sandbox.complete(sessionID: session.id)
            _ = try await client.session(id: session.id)
        }
        let lines = record.all
        #expect(lines.contains { $0.contains("/pay") && $0.contains("convergegate.status") && $0.contains("200") })
        #expect(!lines.contains { $0.contains(code) || $0.contains(Self.key) || $0.contains("blik_code") })
    }
}
