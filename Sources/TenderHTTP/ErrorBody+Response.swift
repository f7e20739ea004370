import Foundation
import Hummingbird
import TenderOpenAPI

extension Components.Schemas.ErrorBody {
    /// An error body with a stable snake_case `code` and a `message` without secrets.
    public init(code: String, message: String) {
        self.init(error: .init(code: code, message: message))
    }

    /// The body as a response with `status`, for routes outside the generated API (webhooks,
    /// authentication, body limits, undeclared methods).
    public func response(status: HTTPResponse.Status) throws -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(self)))
        )
    }
}
