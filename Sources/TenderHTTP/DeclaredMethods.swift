import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// A transport that registers the generated API's operations on a router group and remembers
/// which methods each path declares, so that the others can be answered 405.
final class DeclaredMethods<Context: RequestContext>: ServerTransport {
    private let group: RouterGroup<Context>
    private var methods: [String: [HTTPRequest.Method]] = [:]

    init(group: RouterGroup<Context>) {
        self.group = group
    }

    func register(
        _ handler: @escaping @Sendable (HTTPRequest, HTTPBody?, ServerRequestMetadata) async throws -> (HTTPResponse, HTTPBody?),
        method: HTTPRequest.Method,
        path: String
    ) throws {
        group.register(handler, method: method, path: path)
        methods[path, default: []].append(method)
    }

    /// Answers every undeclared method of the registered paths with 405.
    func refuseUndeclaredMethods() {
        for (path, declared) in methods {
            group.refuseUndeclaredMethods(at: RouterPath(path), declared: declared)
        }
    }
}

extension RouterMethods {
    /// The methods clients ask with: RFC 9110's, PATCH and QUERY.
    static var repertoire: [HTTPRequest.Method] {
        [.get, .head, .post, .put, .patch, .delete, .options, .trace, HTTPRequest.Method("QUERY")!]  // a valid token: cannot fail
    }

    /// Answers the methods of an HTTP client's repertoire that `path` does not declare with 405,
    /// the `Allow` header naming those it does, and the error object `method_not_allowed`.
    func refuseUndeclaredMethods(at path: RouterPath, declared: [HTTPRequest.Method]) {
        let allow = declared.map(\.rawValue).joined(separator: ", ")
        for method in Self.repertoire where !declared.contains(method) {
            on(path, method: method) { _, _ in
                var response = try APIError(.methodNotAllowed, code: "method_not_allowed", message: "this path answers \(allow)").response()
                response.headers[.allow] = allow
                return response
            }
        }
    }
}
