/// A setting of `tender worker` is missing or wrong. The message names the setting and the rule,
/// never the value (it may be a secret).
struct WorkerConfigurationError: Error, Sendable, CustomStringConvertible {
    /// The refused setting.
    let setting: WorkerSetting
    /// The rule it breaks.
    let message: String

    init(_ setting: WorkerSetting, _ message: String) {
        self.setting = setting
        self.message = message
    }

    /// E.g. `TENDER_DATABASE_URL (--database-url): is required`.
    var description: String { "\(setting): \(message)" }
}
