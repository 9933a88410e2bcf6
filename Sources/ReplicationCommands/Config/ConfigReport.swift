import Foundation
import ReplicationCore

/// What `config check` prints, built once and rendered as text or JSON.
struct ConfigReport: Encodable {
    struct Section: Encodable {
        var options: [String: JSONValue]
        var extensions: [String]
    }

    struct Remote: Encodable {
        var name: String
        var file: String
        var line: Int
        var options: [String: JSONValue]
        var extensions: [String]
    }

    struct Diagnostic: Encodable {
        var severity: String
        var code: String
        var file: String?
        var line: Int?
        var column: Int?
        var key: String?
        var message: String
        var text: String
    }

    var config: String
    var files: [String]
    var fanOutDirectory: String?
    var gerrit: Section
    var replication: Section
    /// Replicator's own `[replicator]` section (the daemon).
    var replicator: Section
    var remotes: [Remote]
    var skippedRemotes: [String]
    var diagnostics: [Diagnostic]
    var errors: Int
    var warnings: Int
    /// What pushes will run with: the git binary (and its version) for packs, or libgit2.
    var pushEngine: PushEngine.Description

    private let source: ReplicationConfiguration

    private enum CodingKeys: String, CodingKey {
        case config, files, fanOutDirectory, gerrit, replication, replicator, remotes, skippedRemotes, diagnostics
        case errors, warnings, pushEngine
    }

    /// `extra`: what `config check` found beyond the files (authGroups against the site's groups).
    init(_ configuration: ReplicationConfiguration, extra: [ConfigDiagnostic] = []) {
        self.source = configuration
        self.config = configuration.mainFile
        self.files = configuration.files
        self.fanOutDirectory = configuration.fanOutDirectory
        self.gerrit = Section(configuration.gerrit.effectiveOptions)
        self.replication = Section(configuration.replication.effectiveOptions)
        self.replicator = Section(configuration.daemon.effectiveOptions)
        self.remotes = configuration.remotes.map(Remote.init)
        self.skippedRemotes = configuration.skippedRemotes
        let diagnostics = configuration.diagnostics + extra
        self.diagnostics = diagnostics.map(Diagnostic.init)
        self.errors = diagnostics.count { $0.severity == .error }
        self.warnings = diagnostics.count { $0.severity == .warning }
        self.pushEngine = PushEngine.describe(configuration)
    }

    func jsonText() throws -> String { try ReportJSON.text(self) }

    func humanText() -> String {
        var lines = ["Configuration: \(self.config)"]
        if self.files.count > 1 { lines.append("Files read: \(self.files.joined(separator: ", "))") }
        if let fanOut = self.fanOutDirectory { lines.append("Fan-out directory: \(fanOut)") }
        lines.append("Push engine: \(self.pushEngine.text)")
        lines += Self.block("[gerrit]", self.source.gerrit.effectiveOptions)
        lines += Self.block("[replication]", self.source.replication.effectiveOptions)
        lines += Self.block("[replicator]", self.source.daemon.effectiveOptions)
        for remote in self.source.remotes {
            lines += Self.block(
                "[remote \"\(remote.name)\"]  (\(remote.location.file):\(remote.location.line))",
                remote.effectiveOptions
            )
        }
        if !self.skippedRemotes.isEmpty {
            lines += ["", "Skipped remotes: \(self.skippedRemotes.joined(separator: ", "))"]
        }
        lines.append("")
        lines += self.diagnostics.map(\.text)
        lines.append("\(Self.count(self.errors, "error")), \(Self.count(self.warnings, "warning"))")
        return lines.joined(separator: "\n") + "\n"
    }

    private static func block(_ title: String, _ options: [EffectiveOption]) -> [String] {
        ["", title]
            + options.flatMap { option in
                let marker = option.isExtension ? "    (Replicator extension)" : ""
                return option.value.textValues.map { "  \(option.key) = \($0)\(marker)" }
            }
    }

    private static func count(_ number: Int, _ noun: String) -> String {
        "\(number) \(noun)\(number == 1 ? "" : "s")"
    }
}

extension ConfigReport.Section {
    init(_ options: [EffectiveOption]) {
        self.options = Dictionary(uniqueKeysWithValues: options.map { ($0.key, JSONValue($0.value)) })
        self.extensions = options.filter(\.isExtension).map(\.key)
    }
}

extension ConfigReport.Remote {
    init(_ remote: RemoteConfiguration) {
        let options = remote.effectiveOptions
        self.name = remote.name
        self.file = remote.location.file
        self.line = remote.location.line
        self.options = Dictionary(uniqueKeysWithValues: options.map { ($0.key, JSONValue($0.value)) })
        self.extensions = options.filter(\.isExtension).map(\.key)
    }
}

extension ConfigReport.Diagnostic {
    init(_ diagnostic: ConfigDiagnostic) {
        self.severity = diagnostic.severity.rawValue
        self.code = diagnostic.code.rawValue
        self.file = diagnostic.location?.file
        self.line = diagnostic.location.flatMap { $0.line > 0 ? $0.line : nil }
        self.column = diagnostic.location?.column
        self.key = diagnostic.key
        self.message = diagnostic.message
        self.text = diagnostic.description
    }
}

extension EffectiveOption.Value {
    /// One string per printed line: lists print one line per value, like the config file itself.
    fileprivate var textValues: [String] {
        switch self {
        case .bool(let value): ["\(value)"]
        case .int(let value): ["\(value)"]
        case .duration(let value): [value.configText]
        case .string(let value): [value ?? "(not set)"]
        case .strings(let values): values.isEmpty ? ["(none)"] : values
        }
    }
}

/// JSON for effective options: durations are numbers of seconds.
enum JSONValue: Encodable {
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case strings([String])
    case null

    init(_ value: EffectiveOption.Value) {
        switch value {
        case .bool(let value): self = .bool(value)
        case .int(let value): self = .int(value)
        case .duration(let value): self = .number(Double(value.wholeMilliseconds) / 1_000)
        case .string(let value): self = value.map { .string($0) } ?? .null
        case .strings(let values): self = .strings(values)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .strings(let values): try container.encode(values)
        case .null: try container.encodeNil()
        }
    }
}
