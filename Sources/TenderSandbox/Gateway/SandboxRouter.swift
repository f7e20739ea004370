import Foundation
import HTTPTypes
import Hummingbird
import ServiceLifecycle

/// The HTTP routes of the sandbox: the gateway's API, and `/_sandbox/…` routes for other
/// processes (the ledger and the scripted-mode controls, without authentication).
enum SandboxRouter {
    private static let idempotencyKey = HTTPField.Name("Idempotency-Key")!
    private static let idempotentReplayed = HTTPField.Name("Idempotent-Replayed")!
    private static let maxBodySize = 1 << 20

    static func make(sandbox: ConvergeGateSandbox) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/v1/checkout/sessions") { request, context in
            try await Self.serve(.create, request, context, sandbox)
        }
        router.get("/v1/checkout/sessions/:id") { request, context in
            try await Self.serve(.retrieve, request, context, sandbox)
        }
        router.get("/v1/checkout/sessions/:id/pay") { request, context in
            try await Self.serve(.pay, request, context, sandbox)
        }
        router.post("/v1/checkout/sessions/:id/pay") { request, context in
            try await Self.serve(.pay, request, context, sandbox)
        }
        router.post("/v1/refunds") { request, context in
            try await Self.serve(.refund, request, context, sandbox)
        }
        router.get("/v1/refunds/:id") { request, context in
            try await Self.serve(.retrieveRefund, request, context, sandbox)
        }
        router.get("/_sandbox/ledger") { _, _ in
            Self.json(status: 200, body: try await sandbox.ledger().encoded())
        }
        router.post("/_sandbox/sessions/:id/:action") { _, context in
            try await Self.control(context, sandbox)
        }
        return router
    }

    /// Runs one API request through the endpoint's chaos and the sandbox's core.
    private static func serve(
        _ endpoint: SandboxEndpoint,
        _ request: Request,
        _ context: BasicRequestContext,
        _ sandbox: ConvergeGateSandbox
    ) async throws -> Response {
        let body = try await request.body.collect(upTo: Self.maxBodySize)
        let plan = await sandbox.beginRequest(endpoint)
        await Self.wait(plan.delayBefore)
        let sandboxRequest = SandboxRequest(
            endpoint: endpoint,
            method: request.method.rawValue,
            path: request.uri.path,
            resourceID: context.parameters.get("id"),
            parameters: FormParameters(query: request.uri.query, body: String(buffer: body)),
            authorization: request.headers[.authorization],
            idempotencyKey: request.headers[Self.idempotencyKey]
        )
        let response = await sandbox.handle(sandboxRequest, plan: plan)
        await Self.wait(response.holdFor)
        var answer = Self.json(status: response.status, body: response.body)
        if response.replayed { answer.headers[Self.idempotentReplayed] = "true" }
        return answer
    }

    /// Sleeps for `delay`, or less if the server shuts down gracefully meanwhile.
    private static func wait(_ delay: Duration) async {
        guard delay > .zero else { return }
        await cancelWhenGracefulShutdown {
            try? await Task.sleep(for: delay)
        }
    }

    /// `POST /_sandbox/sessions/{id}/complete|expire|hold|release`.
    private static func control(_ context: BasicRequestContext, _ sandbox: ConvergeGateSandbox) async throws -> Response {
        let id = try context.parameters.require("id")
        let action = try context.parameters.require("action")
        do {
            switch action {
            case "complete": try await sandbox.complete(sessionID: id)
            case "expire": try await sandbox.expire(sessionID: id)
            case "hold": try await sandbox.hold(sessionID: id)
            case "release": try await sandbox.release(sessionID: id)
            default:
                return Self.error(.invalidRequest("Unknown sandbox action: \(action).", param: "action", status: 404))
            }
        } catch let error as SandboxError {
            let status = error.code == .unknownSession ? 404 : 409
            return Self.error(.invalidRequest(error.description, status: status))
        }
        let response = await sandbox.sessionResponse(id)
        return Self.json(status: response.status, body: response.body)
    }

    private static func error(_ error: SandboxAPIError) -> Response {
        let response = SandboxResponse(error: error)
        return Self.json(status: response.status, body: response.body)
    }

    private static func json(status: Int, body: Data) -> Response {
        Response(
            status: HTTPResponse.Status(code: status),
            headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
        )
    }
}
