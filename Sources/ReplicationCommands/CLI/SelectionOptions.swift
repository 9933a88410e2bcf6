import ArgumentParser
import ReplicationCore

/// `--all | PATTERN…`, `--remote NAME…`, `--url SUBSTRING`: which projects, remotes and URLs a
/// command (`start`, `verify`) works on, as in Gerrit's `replication start`.
struct SelectionOptions: ParsableArguments {
    @Flag(name: .long, help: "Every project.")
    var all = false

    @Argument(help: ArgumentHelp("Projects: ^regex, prefix* or an exact name.", valueName: "pattern"))
    var patterns: [String] = []

    @Option(name: .customLong("remote"), help: ArgumentHelp("Only this remote (repeatable).", valueName: "name"))
    var remotes: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp("Only URLs whose template or expanded form contains this.", valueName: "substring")
    )
    var url: String?

    func validate() throws {
        guard self.all != !self.patterns.isEmpty else {
            throw ValidationError("give either --all or project patterns (not both)")
        }
        for pattern in self.patterns where (try? ProjectPattern(pattern)) == nil {
            throw ValidationError("invalid project pattern '\(pattern)'")
        }
    }

    /// The selection under `configuration`; an unknown remote name is a usage error.
    func selection(in configuration: ReplicationConfiguration) throws -> ReplicationSelection {
        let unknown = self.remotes.filter { configuration.remote(named: $0) == nil }
        guard unknown.isEmpty else {
            let known = configuration.remotes.map(\.name).joined(separator: ", ")
            throw ValidationError("unknown remote \(unknown.joined(separator: ", ")) (configured: \(known))")
        }
        return ReplicationSelection(
            projects: try self.patterns.map { try ProjectPattern($0) },
            remotes: Set(self.remotes),
            urlSubstring: self.url
        )
    }
}
