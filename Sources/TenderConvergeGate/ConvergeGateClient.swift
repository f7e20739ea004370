import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Tender

/// Tender's `PaymentGateway` for ConvergeGate's BLIK checkout-session API.
///
/// Calls go over AsyncHTTPClient with basic auth (the secret key as user name, empty password) and
/// form-encoded bodies; answers are JSON. Every failure is a `GatewayError` classified as the API
/// page's error table says. The client logs each call at debug level with method, path and status,
/// never the key, a BLIK code or a request body.
///
/// The client either owns its `HTTPClient` (``init(configuration:logger:)``; call ``shutdown()``
/// when done) or uses one it is given (``init(configuration:httpClient:logger:)``; its owner shuts
/// it down, and its own connect/read timeouts and pool apply besides this client's deadline).
public final class ConvergeGateClient: PaymentGateway, Sendable {
    /// The largest answer read from the gateway; a larger one is treated as undecodable.
    static let maximumResponseSize = 1 << 20

    /// The settings this client was built with.
    public let configuration: ConvergeGateConfiguration

    private let httpClient: HTTPClient
    private let ownsHTTPClient: Bool
    private let logger: Logger

    /// Creates a client with an `HTTPClient` of its own, sized and timed by `configuration`.
    ///
    /// Call ``shutdown()`` before releasing it (AsyncHTTPClient traps on an unshut client in debug
    /// builds), or use ``withClient(configuration:logger:isolation:_:)``.
    public init(configuration: ConvergeGateConfiguration, logger: Logger) {
        var httpConfiguration = HTTPClient.Configuration(
            redirectConfiguration: .disallow,
            timeout: .init(connect: TimeAmount(configuration.timeouts.connect), read: TimeAmount(configuration.timeouts.read)),
            connectionPool: .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.connectionPoolSize)
        )
        httpConfiguration.httpVersion = .http1Only
        self.httpClient = HTTPClient(
            eventLoopGroup: HTTPClient.defaultEventLoopGroup,
            configuration: httpConfiguration,
            backgroundActivityLogger: logger
        )
        self.ownsHTTPClient = true
        self.configuration = configuration
        self.logger = logger
    }

    /// Creates a client over an `HTTPClient` that its caller owns and shuts down.
    public init(configuration: ConvergeGateConfiguration, httpClient: HTTPClient, logger: Logger) {
        self.httpClient = httpClient
        self.ownsHTTPClient = false
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs `body` with a client that owns its `HTTPClient`, and shuts it down afterwards whether
    /// `body` returns or throws.
    @discardableResult
    public static func withClient<Result>(
        configuration: ConvergeGateConfiguration,
        logger: Logger,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (ConvergeGateClient) async throws -> Result
    ) async throws -> Result {
        let client = ConvergeGateClient(configuration: configuration, logger: logger)
        let result: Result
        do {
            result = try await body(client)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        return result
    }

    /// Shuts down the `HTTPClient` when this client owns it; does nothing otherwise.
    public func shutdown() async throws {
        if ownsHTTPClient {
            try await httpClient.shutdown()
        }
    }

    // MARK: PaymentGateway

    /// Creates a checkout session (`POST /v1/checkout/sessions`) for BLIK, in the request's
    /// currency written in lower case.
    ///
    /// The key sent is `idempotencyKey` and a digest of the parameters: a create repeated with
    /// the same parameters replays the gateway's answer, and one whose parameters changed meanwhile
    /// (a new webhook URL after a restart) opens a new session instead of being refused with a 409.
    /// The session left behind is never paid: a code goes only to the session an attempt holds.
    public func createSession(_ request: SessionRequest, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        var form = FormBody()
        form.append("amount", String(request.amount.minorUnits))
        form.append("currency", request.amount.currency.code.lowercased())
        form.append("customer_email", request.customer.email)
        form.append("customer_firstname", request.customer.firstName)
        form.append("customer_lastname", request.customer.lastName)
        form.append("success_url", configuration.successURL)
        form.append("notification_url", request.notificationURL)
        form.append("payment_method", "blik")
        form.append("expires_at", String(Int64(request.expiresAt.timeIntervalSince1970.rounded(.down))))
        form.appendMetadata(request.metadata)
        let session: WireSession = try await call(
            .POST, ConvergeGatePath.sessions, form: form, idempotencyKey: idempotencyKey + "-" + form.digest)
        return session.gatewaySession
    }

    /// Hands the payer's code to the gateway (`POST /v1/checkout/sessions/{id}/pay`).
    ///
    /// The code is revealed only into the request body, which is never logged; a gateway message
    /// that echoes it is redacted.
    public func pay(sessionID: String, code: BLIKCode, idempotencyKey: String) async throws(GatewayError) -> GatewaySession {
        var form = FormBody()
        form.append("blik_code", code.revealed)
        let session: WireSession = try await call(
            .POST,
            ConvergeGatePath.pay(sessionID),
            form: form,
            idempotencyKey: idempotencyKey,
            redacting: [code.revealed]
        )
        return session.gatewaySession
    }

    /// Retrieves a session (`GET /v1/checkout/sessions/{id}`): the truth about it.
    public func session(id: String) async throws(GatewayError) -> GatewaySession {
        let session: WireSession = try await call(.GET, ConvergeGatePath.session(id), form: nil, idempotencyKey: nil)
        return session.gatewaySession
    }

    /// Refunds a session (`POST /v1/refunds`), all that is left of it when `amount` is `nil`.
    public func refund(sessionID: String, amount: Int64?, reason: RefundReason, idempotencyKey: String) async throws(GatewayError) -> GatewayRefund {
        // Checked like a path segment so that an id that could never name a session is refused here.
        _ = try ConvergeGatePath.segment(sessionID, naming: "session id")
        var form = FormBody()
        form.append("session_id", sessionID)
        form.append("amount", amount.map { String($0) })
        form.append("reason", reason.rawValue)
        let refund: WireRefund = try await call(.POST, ConvergeGatePath.refunds, form: form, idempotencyKey: idempotencyKey)
        return refund.gatewayRefund
    }

    /// ConvergeGate takes złoty only.
    public var currencies: Set<Currency> { [.pln] }

    /// Retrieves a refund (`GET /v1/refunds/{id}`): the only way to learn whether it settled.
    public func refund(id: String) async throws(GatewayError) -> GatewayRefund {
        let path = try ConvergeGatePath.refunds + "/" + ConvergeGatePath.segment(id, naming: "refund id")
        let refund: WireRefund = try await call(.GET, path, form: nil, idempotencyKey: nil)
        return refund.gatewayRefund
    }

    // MARK: Transport

    /// Sends one request and decodes a 2xx answer as `Answer`; classifies everything else.
    private func call<Answer: Decodable>(
        _ method: HTTPMethod,
        _ path: String,
        form: FormBody?,
        idempotencyKey: String?,
        redacting extraSecrets: [String] = []
    ) async throws(GatewayError) -> Answer {
        var request = HTTPClientRequest(url: url(for: path))
        request.method = method
        request.setBasicAuth(username: configuration.secretKey.value, password: "")
        request.headers.add(name: "User-Agent", value: configuration.userAgent)
        request.headers.add(name: "Accept", value: "application/json")
        if let idempotencyKey, !idempotencyKey.isEmpty {
            request.headers.add(name: "Idempotency-Key", value: idempotencyKey)
        }
        if let form {
            request.headers.add(name: "Content-Type", value: FormBody.contentType)
            request.body = .bytes(ByteBuffer(string: form.encoded))
        }

        var logger = self.logger
        logger[metadataKey: "convergegate.method"] = "\(method.rawValue)"
        logger[metadataKey: "convergegate.path"] = "\(path)"

        let status: Int
        let body: [UInt8]
        do {
            let response = try await httpClient.execute(request, timeout: TimeAmount(configuration.timeouts.total), logger: logger)
            status = Int(response.status.code)
            do {
                body = Array(buffer: try await response.body.collect(upTo: Self.maximumResponseSize))
            } catch is NIOTooManyBytesError {
                logger.debug("ConvergeGate answer too large", metadata: ["convergegate.status": "\(status)"])
                // An oversized error answer still says what its status says.
                throw (200..<300).contains(status)
                    ? GatewayError.undecodableResponse(status: status)
                    : GatewayError.convergeGate(status: status, body: [], redacting: [])
            }
        } catch let error as GatewayError {
            throw error
        } catch {
            let classified = GatewayError.convergeGate(transportError: error)
            logger.debug(
                "ConvergeGate call failed without an answer",
                metadata: [
                    "convergegate.outcome_unknown": "\(classified.outcomeUnknown)",
                    "convergegate.error": "\(String(reflecting: error))",
                ]
            )
            throw classified
        }

        logger.debug("ConvergeGate answered", metadata: ["convergegate.status": "\(status)"])
        guard (200..<300).contains(status) else {
            throw GatewayError.convergeGate(status: status, body: body, redacting: [configuration.secretKey.value] + extraSecrets)
        }
        do {
            return try JSONDecoder().decode(Answer.self, from: Data(body))
        } catch {
            logger.debug("ConvergeGate answer undecodable", metadata: ["convergegate.status": "\(status)"])
            throw GatewayError.undecodableResponse(status: status)
        }
    }

    private func url(for path: String) -> String {
        var base = configuration.baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }
}

extension ConvergeGateClient: CustomStringConvertible, CustomReflectable {
    /// The configuration, with the key redacted.
    public var description: String { "ConvergeGateClient(\(configuration))" }

    /// Only the configuration, whose own mirror redacts the key.
    public var customMirror: Mirror {
        Mirror(self, children: ["configuration": configuration], displayStyle: .class)
    }
}
