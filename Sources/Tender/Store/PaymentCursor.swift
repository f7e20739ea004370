import Foundation

/// A position in the list of payments, newest first: the last payment of a page, by its creation
/// time (to the database's microsecond) and id. The next page starts just after it, so payments
/// created meanwhile never shift a page.
public struct PaymentCursor: Sendable, Hashable {
    /// The payment's creation time, in microseconds since 1970, as the database keeps it.
    public var createdAtMicroseconds: Int64
    /// The payment's id, which orders payments created in the same microsecond.
    public var paymentID: PaymentID

    /// Creates a cursor.
    public init(createdAtMicroseconds: Int64, paymentID: PaymentID) {
        self.createdAtMicroseconds = createdAtMicroseconds
        self.paymentID = paymentID
    }

    /// The cursor as an opaque URL-safe token.
    public var token: String {
        Data("\(createdAtMicroseconds):\(paymentID.rawValue)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Reads a token made by ``token``; `nil` for anything else.
    public init?(token: String) {
        var base64 = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard token.utf8.count <= 512, let data = Data(base64Encoded: base64), let text = String(data: data, encoding: .utf8),
            let colon = text.firstIndex(of: ":"), let micros = Int64(text[..<colon]),
            let id = try? PaymentID(validating: String(text[text.index(after: colon)...]))
        else { return nil }
        self.init(createdAtMicroseconds: micros, paymentID: id)
    }
}
