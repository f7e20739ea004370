import CLibPQ
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The loop of one ``PostgresListener/events()`` sequence, run on its own thread.
final class ListenSession: Sendable {
    private let configuration: PostgresConfiguration
    private let channels: [String]
    private let logger: Logger
    private let noticeLogger: NoticeLogger
    /// Hands an event to the reader.
    private let deliver: @Sendable (PostgresListenerEvent) -> Void
    /// Ends the reader's sequence.
    private let finish: @Sendable () -> Void
    private let stopped = Atomic(false)

    private static let waitSlice: Int32 = 200  // milliseconds
    private static let firstBackoff = 0.05  // seconds
    private static let maxBackoff = 5.0  // seconds

    init(
        configuration: PostgresConfiguration,
        channels: [String],
        logger: Logger,
        deliver: @escaping @Sendable (PostgresListenerEvent) -> Void,
        finish: @escaping @Sendable () -> Void
    ) {
        self.configuration = configuration
        self.channels = channels
        self.logger = logger
        self.noticeLogger = NoticeLogger(logger: logger)
        self.deliver = deliver
        self.finish = finish
    }

    private var isStopped: Bool { stopped.load(ordering: .acquiring) }

    func stop() {
        stopped.store(true, ordering: .releasing)
    }

    func run() {
        var backoff = Self.firstBackoff
        var failures = 0
        while !isStopped {
            if let connection = connectAndListen(quietly: failures > 0) {
                if failures > 0 {
                    logger.info("listener connected again", metadata: ["failed_attempts": "\(failures)"])
                }
                failures = 0
                backoff = Self.firstBackoff
                deliver(.listening)
                receive(on: connection.pointer)
                failures = 1  // the loss was logged; failures to reconnect are not logged again
            } else {
                failures += 1
            }
            guard !isStopped else { break }
            pause(seconds: backoff)
            backoff = min(backoff * 2, Self.maxBackoff)
        }
        finish()
        logger.debug("listener stopped")
    }

    /// Connects and issues `LISTEN` for every channel, or logs why not and returns nil. A failure to
    /// connect is a warning the first time and `debug` while it keeps failing (`quietly`), so that an
    /// outage is logged once.
    private func connectAndListen(quietly: Bool) -> ConnectionHandle? {
        guard let pointer = PQconnectdb(configuration.connectionString) else { return nil }
        let connection = ConnectionHandle(taking: pointer)
        guard PQstatus(pointer) == CONNECTION_OK else {
            logger.log(
                level: quietly ? .debug : .warning, "listener could not connect; retrying with backoff",
                metadata: ["error": "\(PostgresError(code: .connectionFailed, connection: pointer))"]
            )
            return nil
        }
        noticeLogger.install(on: pointer)
        for channel in channels {
            guard let quoted = PQescapeIdentifier(pointer, channel, channel.utf8.count) else { return nil }
            let sql = "LISTEN " + String(cString: quoted)
            PQfreemem(quoted)
            let result = PQexec(pointer, sql)
            defer { PQclear(result) }
            guard PQresultStatus(result) == PGRES_COMMAND_OK else {
                logger.warning("listener could not LISTEN", metadata: ["channel": "\(channel)"])
                return nil
            }
        }
        logger.debug("listening", metadata: ["channels": "\(channels)", "backend_pid": "\(PQbackendPID(pointer))"])
        return connection
    }

    /// Yields notifications until the connection breaks or the session stops.
    private func receive(on connection: OpaquePointer) {
        let socket = PQsocket(connection)
        while !isStopped {
            deliverNotifications(from: connection)
            var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Self.waitSlice)
            if ready < 0 && errno != EINTR {
                break
            }
            if ready > 0 && PQconsumeInput(connection) == 0 {
                break
            }
            if PQstatus(connection) != CONNECTION_OK {
                break
            }
        }
        deliverNotifications(from: connection)
        if !isStopped {
            logger.warning("listener connection lost; reconnecting")
        }
    }

    private func deliverNotifications(from connection: OpaquePointer) {
        while let notification = PQnotifies(connection) {
            let channel = String(cString: notification.pointee.relname)
            let payload = String(cString: notification.pointee.extra)
            PQfreemem(notification)
            deliver(.notification(channel: channel, payload: payload))
        }
    }

    /// Sleeps in slices so that stopping is noticed.
    private func pause(seconds: Double) {
        let end = Date().addingTimeInterval(seconds)
        while !isStopped, Date() < end {
            Thread.sleep(forTimeInterval: min(Double(Self.waitSlice) / 1000, end.timeIntervalSinceNow))
        }
    }
}
