import HTTPTypes
import Hummingbird
import OpenAPIHummingbird
import OpenAPIRuntime

/// A transport that registers the generated API's operations on a router group and remembers
/// which methods each path declares, so that the others can be answered 405 with `Allow`.
final class DeclaredMethods<Context: RequestContext>: ServerTransport {
    private let group: RouterGroup<Context>
    private var methods: [String: [HTTPRequest.Method]] = [:]

    /// The methods a path may be asked with that it does not declare.
    static var answered: [HTTPRequest.Method] { [.get, .head, .post, .put, .patch, .delete, .options] }

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

    /// Answers every undeclared method of the registered paths with 405 and the `Allow` header.
    func refuseUndeclaredMethods() {
        for (path, declared) in methods {
            let allow = declared.map(\.rawValue).joined(separator: ", ")
            for method in Self.answered where !declared.contains(method) {
                group.on(RouterPath(path), method: method) { _, _ in
                    var response = try APIError(.methodNotAllowed, code: "method_not_allowed", message: "this path answers \(allow)")
                        .body.response(status: .methodNotAllowed)
                    response.headers[.allow] = allow
                    return response
                }
            }
        }
    }
}
