/// Typed readings of raw config values, with git's, JGit's and Gerrit's rules.
package enum ConfigValue {
    /// git's booleans; a bare key (`nil`) is true and an empty value is false. `nil` when invalid.
    package static func boolean(_ raw: String?) -> Bool? {
        guard let raw else { return true }
        switch raw.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0", "": return false
        default: return nil
        }
    }

    package struct Integer: Hashable, Sendable {
        package var value: Int
        /// Whether a `k`, `m` or `g` multiplier was used; surprising for options measured in time.
        package var hasMultiplier: Bool

        package init(value: Int, hasMultiplier: Bool) {
            self.value = value
            self.hasMultiplier = hasMultiplier
        }
    }

    /// JGit's `Config.getInt`: optional sign, digits, optional `k`/`m`/`g` (×1024ⁿ), 32-bit range.
    package static func integer(_ raw: String) -> Integer? {
        var text = Substring(raw.trimmingConfigWhitespace())
        var multiplier = 1
        switch text.last?.lowercased() {
        case "k": multiplier = 1 << 10
        case "m": multiplier = 1 << 20
        case "g": multiplier = 1 << 30
        default: break
        }
        if multiplier > 1 { text = Substring(text.dropLast().trimmingConfigWhitespace()) }
        guard let number = Int(text) else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
        guard !overflow, product >= Int(Int32.min), product <= Int(Int32.max) else { return nil }
        return Integer(value: product, hasMultiplier: multiplier > 1)
    }

    /// git's sizes (`git_config_ulong`, JGit's `getLong`): digits with an optional `k`/`m`/`g`
    /// (×1024ⁿ), in 64 bits, never negative. `nil` when invalid.
    package static func size(_ raw: String) -> Int? {
        var text = Substring(raw.trimmingConfigWhitespace())
        let multipliers: [Character: Int] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        let multiplier = text.last.flatMap { multipliers[Character($0.lowercased())] } ?? 1
        if multiplier > 1 { text = Substring(text.dropLast().trimmingConfigWhitespace()) }
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && $0.isNumber }), let number = Int(text) else { return nil }
        let (product, overflow) = number.multipliedReportingOverflow(by: multiplier)
        return overflow ? nil : product
    }

    package enum TimeUnit: String, Hashable, Sendable {
        case milliseconds
        case seconds
        case minutes

        fileprivate var duration: Duration {
            switch self {
            case .milliseconds: .milliseconds(1)
            case .seconds: .seconds(1)
            case .minutes: .seconds(60)
            }
        }
    }

    /// Gerrit's `ConfigUtil.getTimeUnit`: a non-negative number, optionally followed by a unit
    /// (`ms`, `s`, `m`, `h`, `d`, `w`, `mon`, `y` and their long forms); a bare number is in `defaultUnit`.
    /// `nil` too above ``maximumDuration``, so that no later arithmetic on it can overflow.
    package static func duration(_ raw: String, defaultUnit: TimeUnit) -> Duration? {
        let text = raw.trimmingConfigWhitespace()
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 18, let count = Int(digits), digits == "0" || digits.first != "0"
        else { return nil }
        let unitName = text.dropFirst(digits.count).trimmingConfigWhitespace().lowercased()
        guard let unit = unitName.isEmpty ? defaultUnit.duration : Self.timeUnits[unitName] else { return nil }
        // Compared before multiplying: 10^18 years would overflow Duration's 128 bits.
        guard Double(count) <= Self.maximumDuration / unit else { return nil }
        return unit * count
    }

    /// The longest time any option takes: a year.
    package static let maximumDuration = Duration.seconds(365 * 86_400)

    private static let timeUnits: [String: Duration] = {
        let day = Duration.seconds(86_400)
        let groups: [([String], Duration)] = [
            (["ms", "milliseconds"], .milliseconds(1)),
            (["s", "sec", "second", "seconds"], .seconds(1)),
            (["m", "min", "minute", "minutes"], .seconds(60)),
            (["h", "hr", "hour", "hours"], .seconds(3_600)),
            (["d", "day", "days"], day),
            (["w", "week", "weeks"], day * 7),
            (["mon", "month", "months"], day * 30),
            (["y", "year", "years"], day * 365),
        ]
        return Dictionary(uniqueKeysWithValues: groups.flatMap { names, unit in names.map { ($0, unit) } })
    }()
}

extension CaseIterable where Self: RawRepresentable, Self.RawValue == String {
    /// The case spelled `configValue`, case-insensitively, as Gerrit reads its enum keys.
    package init?(configValue: String) {
        let lowered = configValue.lowercased()
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == lowered }) else { return nil }
        self = match
    }
}

extension StringProtocol {
    /// Trims the characters git treats as blanks around a value.
    package func trimmingConfigWhitespace() -> String {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let first = self.firstIndex(where: { !isBlank($0) }),
            let last = self.lastIndex(where: { !isBlank($0) })
        else { return "" }
        return String(self[first...last])
    }
}

extension Duration {
    /// Whole milliseconds, rounded down.
    package var wholeMilliseconds: Int64 {
        self.components.seconds * 1_000 + self.components.attoseconds / 1_000_000_000_000_000
    }
}
