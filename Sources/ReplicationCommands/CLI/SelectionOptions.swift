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
        var selection = try Self.selection(remotes: self.remotes, in: configuration)
        selection.projects = try self.patterns.map { try ProjectPattern($0) }
        selection.urlSubstring = self.url
        return selection
    }

    /// Every project and URL of the named remotes (all remotes when none is named).
    static func selection(remotes: [String], in configuration: ReplicationConfiguration) throws
        -> ReplicationSelection
    {
        let unknown = remotes.filter { configuration.remote(named: $0) == nil }
        guard unknown.isEmpty else {
            let known = configuration.remotes.map(\.name).joined(separator: ", ")
            throw ValidationError("unknown remote \(unknown.joined(separator: ", ")) (configured: \(known))")
        }
        return ReplicationSelection(projects: [], remotes: Set(remotes))
    }
}
