import Configuration
import Foundation

/// Reads ``TenderSetting``s from a `ConfigReader` and checks each against its rule, so that a bad
/// value is refused with an error naming the setting, never the value.
struct SettingsReader {
    let reader: ConfigReader

    /// The setting's text; `nil` when unset or empty.
    func text(_ setting: TenderSetting) -> String? {
        guard let text = reader.string(forKey: setting.key, isSecret: setting.isSecret), !text.isEmpty else { return nil }
        return text
    }

    /// The setting's text, which must be given.
    func required(_ setting: TenderSetting, _ rule: String) throws(TenderConfigurationError) -> String {
        guard let text = text(setting) else { throw TenderConfigurationError(setting, "is required: \(rule)") }
        return text
    }

    /// A whole number within `range`.
    func integer(_ setting: TenderSetting, default value: Int, in range: ClosedRange<Int>) throws(TenderConfigurationError) -> Int {
        guard let text = text(setting) else { return value }
        guard let number = Int(text), range.contains(number) else {
            throw TenderConfigurationError(setting, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return number
    }

    /// A number within `range`.
    func number(_ setting: TenderSetting, default value: Double, in range: ClosedRange<Double>) throws(TenderConfigurationError) -> Double {
        guard let text = text(setting) else { return value }
        guard let number = Double(text), number.isFinite, range.contains(number) else {
            throw TenderConfigurationError(setting, "must be a number from \(Self.format(range.lowerBound)) to \(Self.format(range.upperBound))")
        }
        return number
    }

    /// A duration given in seconds, within `range` seconds.
    func seconds(_ setting: TenderSetting, default value: Duration, in range: ClosedRange<Double>) throws(TenderConfigurationError) -> Duration {
        guard text(setting) != nil else { return value }
        return .milliseconds(Int64((try number(setting, default: 0, in: range) * 1000).rounded()))
    }

    /// `true` or `false` (also `1`/`0`, `yes`/`no`, `on`/`off`).
    func bool(_ setting: TenderSetting, default value: Bool) throws(TenderConfigurationError) -> Bool {
        guard let text = text(setting) else { return value }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw TenderConfigurationError(setting, "must be true or false")
        }
    }

    /// An absolute http or https URL with a host and without credentials, as text.
    func webURL(_ setting: TenderSetting) throws(TenderConfigurationError) -> String? {
        guard let text = text(setting) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
            url.host?.isEmpty == false, url.user == nil, url.password == nil
        else {
            throw TenderConfigurationError(setting, "must be an absolute http or https URL without credentials")
        }
        return text
    }

    /// A secret given directly or in a file (trailing newlines dropped), but not both.
    func secret(_ setting: TenderSetting, file fileSetting: TenderSetting) throws(TenderConfigurationError) -> String? {
        switch (text(setting), text(fileSetting)) {
        case (.some, .some):
            throw TenderConfigurationError(setting, "is set together with \(fileSetting.variable); set only one")
        case (.some(let secret), nil):
            return secret
        case (nil, .some(let path)):
            guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
                throw TenderConfigurationError(fileSetting, "names a file that cannot be read as UTF-8")
            }
            let secret = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !secret.isEmpty else { throw TenderConfigurationError(fileSetting, "names an empty file") }
            return secret
        case (nil, nil):
            return nil
        }
    }

    /// `0.1`, `100000`: a bound as an operator writes it.
    private static func format(_ bound: Double) -> String {
        bound == bound.rounded() ? String(Int(bound)) : String(bound)
    }
}
