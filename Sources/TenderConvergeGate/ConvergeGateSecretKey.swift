import Crypto

/// A ConvergeGate secret API key (`sk_test_…` or `sk_live_…`).
///
/// The key never leaves this module in readable form: printing, interpolating, reflecting or
/// dumping it yields ``redacted``. Only the client (for basic auth) and the webhook verifier (to
/// derive the signing key) read it.
public struct ConvergeGateSecretKey: Sendable {
    /// What a key shows wherever it is printed or reflected.
    public static let redacted = "[secret key redacted]"

    /// The key itself; readable only inside this module.
    let value: String

    /// Wraps a key. ``ConvergeGateConfiguration`` checks that it is not empty.
    public init(_ value: String) {
        self.value = value
    }

    /// Whether the key is a live key (`sk_live_…`), judged by its documented prefix.
    public var isLiveMode: Bool { value.hasPrefix("sk_live_") }

    /// A key for `purpose` derived from this one (HKDF-SHA-256): the same for every worker
    /// configured with this key, and telling nothing about it.
    public func derivedKey(for purpose: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Array(value.utf8)), info: Array(purpose.utf8), outputByteCount: 32)
    }
}

extension ConvergeGateSecretKey: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Always ``redacted``.
    public var description: String { Self.redacted }
    /// Always ``redacted``.
    public var debugDescription: String { Self.redacted }
    /// A mirror with no children, so `dump` shows nothing secret.
    public var customMirror: Mirror { Mirror(self, children: [:]) }
}
