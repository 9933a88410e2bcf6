/// Reads typed options from one section, collecting diagnostics that name the file, line and key.
/// Single-valued keys take their last value, as git and JGit do.
struct SectionReader {
    let keyPrefix: String
    private let entriesByName: [String: [GitConfigEntry]]
    private(set) var diagnostics: [ConfigDiagnostic] = []

    init(keyPrefix: String, entries: [GitConfigEntry]) {
        self.keyPrefix = keyPrefix
        self.entriesByName = Dictionary(grouping: entries, by: \.name)
    }

    func has(_ key: String) -> Bool { self.entriesByName[key.lowercased()] != nil }

    func all(_ key: String) -> [GitConfigEntry] { self.entriesByName[key.lowercased()] ?? [] }

    /// Multi-valued keys: the non-empty values in order.
    func strings(_ key: String) -> [(value: String, entry: GitConfigEntry)] {
        self.all(key).compactMap { entry in entry.value.flatMap { $0.isEmpty ? nil : ($0, entry) } }
    }

    func qualified(_ key: String) -> String { "\(self.keyPrefix).\(key)" }

    mutating func report(_ diagnostic: ConfigDiagnostic) {
        self.diagnostics.append(diagnostic)
    }

    mutating func error(_ code: ConfigDiagnostic.Code, _ key: String, _ entry: GitConfigEntry?, _ message: String) {
        self.report(.error(code, key: self.qualified(key), at: entry?.location, message))
    }

    mutating func warning(_ code: ConfigDiagnostic.Code, _ key: String, _ entry: GitConfigEntry?, _ message: String) {
        self.report(.warning(code, key: self.qualified(key), at: entry?.location, message))
    }

    /// The last entry of a single-valued key; warns when earlier entries said something else.
    mutating func single(_ key: String) -> GitConfigEntry? {
        let entries = self.all(key)
        guard let last = entries.last else { return nil }
        if Set(entries.map(\.value)).count > 1 {
            let lines = entries.dropLast().map { "\($0.location.line)" }.joined(separator: ", ")
            self.warning(.repeatedKey, key, last, "set more than once (also on line \(lines)); the last value is used")
        }
        return last
    }

    mutating func string(_ key: String) -> String? {
        self.single(key)?.value
    }

    mutating func bool(_ key: String, default defaultValue: Bool) -> Bool {
        guard let entry = self.single(key) else { return defaultValue }
        guard let value = ConfigValue.boolean(entry.value) else {
            let message =
                "expected a boolean (true/false, yes/no, on/off, 1/0), got '\(entry.value ?? "")'; using \(defaultValue)"
            self.error(.invalidValue, key, entry, message)
            return defaultValue
        }
        return value
    }

    /// Gerrit's integer minutes, or (Replicator's extension) a time in seconds or milliseconds such
    /// as `30 s`, which Gerrit would refuse; `k`/`m`/`g` keep Gerrit's integer meaning.
    mutating func minutesOrSeconds(_ key: String, default defaultValue: Int) -> Duration {
        if let raw = self.all(key).last?.value, let value = ConfigValue.duration(raw, defaultUnit: .minutes),
            ["s", "sec", "second", "seconds", "ms", "milliseconds"].contains(
                raw.trimmingConfigWhitespace().drop { $0.isNumber }.trimmingConfigWhitespace().lowercased()
            )
        {
            _ = self.single(key)
            return value
        }
        let minutes = self.int(
            key,
            default: defaultValue,
            minimum: 0,
            maximum: Int(ConfigValue.maximumDuration.components.seconds / 60),
            unit: .minutes
        )
        return .seconds(60 * minutes)
    }

    /// An integer with Gerrit's lower clamp; `unit` names what the number counts, for messages.
    mutating func int(
        _ key: String,
        default defaultValue: Int,
        minimum: Int? = nil,
        maximum: Int? = nil,
        unit: IntegerUnit = .count
    ) -> Int {
        guard let entry = self.single(key) else { return defaultValue }
        guard let raw = entry.value, let parsed = ConfigValue.integer(raw) else {
            self.error(
                .invalidValue,
                key,
                entry,
                "expected an integer, got '\(entry.value ?? "")'; using \(defaultValue)"
            )
            return defaultValue
        }
        if parsed.hasMultiplier, unit != .count {
            let message =
                "'\(raw)' means \(parsed.value) \(unit.rawValue): k/m/g multiply by 1024, 1024² and 1024³ (they are not time units)"
            self.warning(.surprisingValue, key, entry, message)
        }
        if let minimum, parsed.value < minimum {
            self.warning(
                .clampedValue,
                key,
                entry,
                "\(parsed.value) is below the minimum of \(minimum); using \(minimum)"
            )
            return minimum
        }
        // A time beyond a year (482m seconds is 16 years) is a mistake, as it is for unit-bearing values.
        if let maximum = maximum ?? unit.longest, parsed.value > maximum {
            let message = "\(parsed.value) is above the maximum of \(maximum) \(unit.rawValue); using \(defaultValue)"
            self.error(.invalidValue, key, entry, message)
            return defaultValue
        }
        return parsed.value
    }

    /// Gerrit's time values: a number with an optional unit, `defaultUnit` when bare.
    mutating func duration(_ key: String, default defaultValue: Duration, defaultUnit: ConfigValue.TimeUnit) -> Duration
    {
        guard let entry = self.single(key) else { return defaultValue }
        guard let raw = entry.value, let value = ConfigValue.duration(raw, defaultUnit: defaultUnit) else {
            let message =
                "expected a non-negative time up to a year, such as '30 s', '5 min' or '2 h', got '\(entry.value ?? "")'"
            self.error(.invalidValue, key, entry, message)
            return defaultValue
        }
        if defaultUnit == .milliseconds, Int(raw.trimmingConfigWhitespace()) != nil, value < .seconds(1), value > .zero
        {
            let message =
                "a bare number is milliseconds here (as in Gerrit): '\(raw)' is \(raw) ms; write '\(raw) s' for seconds"
            self.warning(.surprisingValue, key, entry, message)
        }
        return value
    }

    enum IntegerUnit: String {
        case count
        case seconds
        case minutes

        /// A year in this unit (``ConfigValue/maximumDuration``); no bound for counts.
        var longest: Int? {
            switch self {
            case .count: nil
            case .seconds: 365 * 86_400
            case .minutes: 365 * 1_440
            }
        }
    }
}
