import Foundation

/// Why a ``Browser`` could not start or carry out a command.
public enum BrowserError: Error, CustomStringConvertible {
    /// No Chromium executable was found on the `PATH`.
    case notInstalled
    /// Chromium exited or did not announce its DevTools endpoint in time.
    case didNotStart(String)
    /// The DevTools connection could not be opened or has closed.
    case disconnected(String)
    /// Chromium answered a command with an error.
    case commandFailed(String)
    /// A command or a page load did not finish in time.
    case timedOut(String)
    /// Navigating to `url` failed, e.g. with `net::ERR_CONNECTION_REFUSED`.
    case navigationFailed(url: String, reason: String)
    /// Evaluated JavaScript threw; the associated value is the exception.
    case javaScript(String)

    public var description: String {
        switch self {
        case .notInstalled: "Chromium is not installed (on Debian: apt-get install chromium)"
        case .didNotStart(let reason): "Chromium did not start: \(reason)"
        case .disconnected(let reason): "The DevTools connection closed: \(reason)"
        case .commandFailed(let message): "DevTools command failed: \(message)"
        case .timedOut(let what): "Timed out: \(what)"
        case .navigationFailed(let url, let reason): "Navigating to \(url) failed: \(reason)"
        case .javaScript(let exception): "JavaScript threw: \(exception)"
        }
    }
}
