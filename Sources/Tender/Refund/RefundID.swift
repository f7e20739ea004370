import Foundation

/// Tender's id for one refund of an attempt's charge.
public struct RefundID: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    /// The UUID.
    public let rawValue: UUID

    /// Wraps a UUID.
    public init(rawValue: UUID) { self.rawValue = rawValue }

    /// A new random id.
    public init() { self.rawValue = .random() }

    /// The lower-case UUID string.
    public var description: String { rawValue.lowercasedString }
}
