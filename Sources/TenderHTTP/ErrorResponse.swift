import Foundation
import Hummingbird

/// The JSON API's error body: `{"error": {"code", "message"}}`.
public struct ErrorResponse: ResponseEncodable, Sendable {
    /// The error's fields.
    public struct Detail: Codable, Sendable {
        /// A stable snake_case code.
        public var code: String
        /// A human message without secrets.
        public var message: String
    }

    /// The error.
    public var error: Detail

    /// Creates an error body.
    public init(code: String, message: String) {
        self.error = Detail(code: code, message: message)
    }

    /// The body as a response with `status`.
    public func response(status: HTTPResponse.Status) throws -> Response {
        let data = try JSONEncoder().encode(self)
        return Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: data))
        )
    }
}
