import CLibPQ
import Logging

/// Receives libpq's notices (warnings, `RAISE NOTICE`) for one connection and logs them instead
/// of letting libpq print them to standard error.
final class NoticeLogger: Sendable {
    private let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Routes the notices of `connection` to this logger; `self` must outlive the connection.
    func install(on connection: OpaquePointer) {
        PQsetNoticeReceiver(
            connection,
            { context, result in
                guard let context, let result else { return }
                Unmanaged<NoticeLogger>.fromOpaque(context).takeUnretainedValue().log(result)
            },
            Unmanaged.passUnretained(self).toOpaque()
        )
    }

    private func log(_ result: OpaquePointer) {
        // The error type's description leaves out messages that may quote input values.
        let notice = PostgresError(result: result, connectionBroken: false)
        logger.debug("postgres notice", metadata: ["notice": "\(notice)"])
    }
}
