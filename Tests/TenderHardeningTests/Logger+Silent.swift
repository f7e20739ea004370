import Logging

extension Logger {
    /// A logger that drops everything: for inputs logged by the hundred thousand.
    static var silent: Logger {
        Logger(label: "tender.hardening.silent") { _ in SwiftLogNoOpLogHandler() }
    }
}
