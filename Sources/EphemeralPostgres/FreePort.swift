import NIOConcurrencyHelpers

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds a TCP port on the loopback interface that is free right now.
public enum FreePort {
    /// The ports handed out so far in this process.
    private static let handedOut = NIOLockedValueBox<Set<Int>>([])

    /// Binds a socket to `127.0.0.1:0`, reads the port the kernel chose and closes the socket;
    /// never the same port twice in one process, so that a server stopped by one test and a server
    /// started by another never share a port, and "nothing listens there any more" stays true.
    ///
    /// Another process may take the port before the server binds it; callers retry on that race.
    public static func pick() throws -> Int {
        while true {
            let port = try kernelChoice()
            if handedOut.withLockedValue({ $0.insert(port).inserted }) {
                return port
            }
        }
    }

    private static func kernelChoice() throws -> Int {
        #if os(Linux)
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else {
            throw Self.failure("socket")
        }
        defer { close(descriptor) }

        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            throw Self.failure("bind")
        }

        var chosen = sockaddr_in()
        var chosenLength = length
        let named = withUnsafeMutablePointer(to: &chosen) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &chosenLength) }
        }
        guard named == 0 else {
            throw Self.failure("getsockname")
        }
        return Int(UInt16(bigEndian: chosen.sin_port))
    }

    private static func failure(_ call: String) -> EphemeralPostgresError {
        EphemeralPostgresError(
            code: .startFailed,
            message: "cannot find a free port on 127.0.0.1: \(call) failed: \(String(cString: strerror(errno)))"
        )
    }
}
