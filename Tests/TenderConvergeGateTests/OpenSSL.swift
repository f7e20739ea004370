import Foundation

/// An independent implementation of the webhook signature recipe: the `openssl` command line tool.
enum OpenSSL {
    /// How the HMAC key is derived from the digest of the secret key.
    enum KeyForm {
        /// The raw 32-byte SHA-256 digest.
        case rawDigest
        /// The digest's lower-case hex text.
        case hexText
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs `openssl` with `arguments`, feeding `input` on standard input, and returns standard output.
    static func run(_ arguments: [String], input: [UInt8]) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        stdin.fileHandleForWriting.write(Data(input))
        try stdin.fileHandleForWriting.close()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "openssl \(arguments.first ?? "") exited with \(process.terminationStatus)")
        }
        return Array(output)
    }

    /// `printf %s SECRET | openssl dgst -sha256 -binary`, as lower-case hex.
    static func sha256Hex(of secret: String) throws -> String {
        let digest = try run(["dgst", "-sha256", "-binary"], input: Array(secret.utf8))
        guard digest.count == 32 else { throw Failure(description: "digest of \(digest.count) bytes") }
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// The lower-case hex HMAC-SHA-256 over `timestamp` followed by `body`, keyed as `keyForm` says.
    static func signature(secret: String, timestamp: String, body: [UInt8], keyForm: KeyForm = .rawDigest) throws -> String {
        let digestHex = try sha256Hex(of: secret)
        let keyOption =
            switch keyForm {
            case .rawDigest: "hexkey:" + digestHex
            case .hexText: "key:" + digestHex
            }
        let output = try run(["dgst", "-sha256", "-mac", "HMAC", "-macopt", keyOption], input: Array(timestamp.utf8) + body)
        // "HMAC-SHA2-256(stdin)= 3f…": the hex is the last word.
        guard let text = String(bytes: output, encoding: .utf8),
            let hex = text.split(whereSeparator: { $0 == " " || $0 == "\n" }).last, hex.count == 64
        else {
            throw Failure(description: "unexpected openssl output")
        }
        return String(hex)
    }
}
