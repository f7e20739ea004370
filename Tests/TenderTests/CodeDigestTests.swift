import Crypto
import Foundation
import Testing

@testable import Tender

@Suite("Code digest")
struct CodeDigestTests {
    private let key = SymmetricKey(data: Array("tender-test-key".utf8))

    @Test("is the code's HMAC-SHA-256 under the key, in lower-case hexadecimal")
    func isTheHMACInHex() throws {
        // Python: hmac.new(b"tender-test-key", b"777123", hashlib.sha256).hexdigest()
        let digest = CodeDigest(of: try BLIKCode("777123"), key: key)
        #expect(digest.hex == "571262aef683d44ffe90eabf7326870182aca0fae0273afa10924595135fba40")
    }

    @Test("differs with the code and with the key")
    func differsWithCodeAndKey() throws {
        let code = try BLIKCode("777123")
        #expect(CodeDigest(of: code, key: key) != CodeDigest(of: try BLIKCode("777124"), key: key))
        #expect(CodeDigest(of: code, key: key) != CodeDigest(of: code, key: SymmetricKey(data: Array("another-key".utf8))))
    }

    @Test("a digester hashes each code as the key alone does, however many it hashed before")
    func digesterStartsAfreshForEachCode() throws {
        let digester = CodeDigest.Digester(key: key)
        for text in ["777123", "000000", "777123", "999999"] {
            let code = try BLIKCode(text)
            #expect(CodeDigest(of: code, with: digester) == CodeDigest(of: code, key: key))
        }
    }
}
