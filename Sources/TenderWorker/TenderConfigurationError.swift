/// A setting is missing or wrong. The message names the setting and the rule, never the value (it
/// may be a secret).
public struct TenderConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The refused setting.
    public let setting: TenderSetting
    /// The rule it breaks.
    public let message: String

    init(_ setting: TenderSetting, _ message: String) {
        self.setting = setting
        self.message = message
    }

    /// E.g. `TENDER_POLL_BUDGET (--poll-budget): must be a number from 0.1 to 100000`.
    public var description: String { "\(setting): \(message)" }
}
