/// One problem found while loading a configuration: an error makes the configuration unusable,
/// a warning is reported and the configuration is still used.
package struct ConfigDiagnostic: Hashable, Sendable, CustomStringConvertible {
    package enum Severity: String, Hashable, Sendable, Codable {
        case error
        case warning
    }

    /// A stable machine-readable classification, shown in `--json` output.
    package enum Code: String, Hashable, Sendable, Codable {
        case syntax
        case unreadableFile
        case includeNotFound
        case includeTooDeep
        case unknownSection
        case unknownKey
        case invalidValue
        case clampedValue
        case surprisingValue
        case repeatedKey
        case ignoredKey
        case invalidRefSpec
        case suspiciousRefSpec
        case overlappingRefSpecs
        case invalidURL
        case missingNamePlaceholder
        case invalidRegex
        case suspiciousRegex
        case skippedRemote
        case fanOut
        case noRemotes
        case mirrorFootgun
        case unknownGroup
        case nameCollision
    }

    package var severity: Severity
    package var code: Code
    /// The configuration key concerned, as `section.subsection.key`, when there is one.
    package var key: String?
    package var location: ConfigLocation?
    package var message: String

    package init(_ severity: Severity, _ code: Code, key: String?, at location: ConfigLocation?, _ message: String) {
        self.severity = severity
        self.code = code
        self.key = key
        self.location = location
        self.message = message
    }

    package static func error(
        _ code: Code,
        key: String? = nil,
        at location: ConfigLocation?,
        _ message: String
    ) -> ConfigDiagnostic {
        ConfigDiagnostic(.error, code, key: key, at: location, message)
    }

    package static func warning(
        _ code: Code,
        key: String? = nil,
        at location: ConfigLocation?,
        _ message: String
    ) -> ConfigDiagnostic {
        ConfigDiagnostic(.warning, code, key: key, at: location, message)
    }

    /// `FILE:LINE: error: KEY: message`, the format `replicator config check` prints; line 0 stands
    /// for the whole file.
    package var description: String {
        let place = self.location.map { $0.line > 0 ? "\($0.file):\($0.line): " : "\($0.file): " } ?? ""
        let subject = self.key.map { "\($0): " } ?? ""
        return "\(place)\(self.severity.rawValue): \(subject)\(self.message)"
    }
}

extension [ConfigDiagnostic] {
    package var hasErrors: Bool { self.contains { $0.severity == .error } }
}
