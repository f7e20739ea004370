import Foundation

/// The parameters of one request: the query string and the form-encoded body, merged.
struct FormParameters: Sendable {
    /// Name and value pairs in the order received (query first, then body).
    private(set) var pairs: [(name: String, value: String)]

    init(query: String?, body: String) {
        self.pairs = Self.parse(query ?? "") + Self.parse(body)
    }

    /// The last value sent for `name`, if any.
    subscript(name: String) -> String? {
        self.pairs.last { $0.name == name }?.value
    }

    /// `metadata[key]=value` pairs as a dictionary, or `nil` when none were sent.
    var metadata: [String: String]? {
        var result: [String: String] = [:]
        for pair in self.pairs where pair.name.hasPrefix("metadata[") && pair.name.hasSuffix("]") {
            let key = pair.name.dropFirst("metadata[".count).dropLast()
            result[String(key)] = pair.value
        }
        return result.isEmpty ? nil : result
    }

    /// The first parameter not in `allowed` (metadata keys are always allowed).
    func unknownParameter(allowed: Set<String>) -> String? {
        self.pairs.first { !allowed.contains($0.name) && !$0.name.hasPrefix("metadata[") }?.name
    }

    /// A canonical form of the parameters, for comparing idempotent requests.
    var fingerprint: String {
        self.pairs
            .map { "\($0.name)=\($0.value)" }
            .sorted()
            .joined(separator: "&")
    }

    private static func parse(_ encoded: String) -> [(name: String, value: String)] {
        encoded.split(separator: "&", omittingEmptySubsequences: true).map { field in
            let parts = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = Self.decode(parts[0])
            let value = parts.count > 1 ? Self.decode(parts[1]) : ""
            return (name, value)
        }
    }

    private static func decode(_ component: Substring) -> String {
        let spaced = component.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }
}
