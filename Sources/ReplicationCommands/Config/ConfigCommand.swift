import ArgumentParser
import ReplicationCore
import ReplicationGit

/// `replicator config`: configuration tools.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Inspect the replication configuration.",
        subcommands: [ConfigCheckCommand.self]
    )
}

/// `replicator config check [--config FILE] [--json]`.
struct ConfigCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Load the configuration, print it with defaults filled in, and report every problem.",
        discussion: "Exit status: 0 when there are no errors, 1 when there are, 2 for usage errors."
    )

    @OptionGroup var options: ConfigOptions

    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false

    func run() throws {
        let configuration = ReplicationConfiguration.load(path: self.options.path, fileSystem: LocalConfigFileSystem())
        let extra = Self.authGroupDiagnostics(configuration) + Self.collisionDiagnostics(configuration)
        let report = ConfigReport(configuration, extra: extra)
        Output.print(self.json ? try report.jsonText() : report.humanText(), terminator: "")
        guard configuration.isUsable, !extra.contains(where: { $0.severity == .error }) else {
            throw ExitCode(ExitStatus.failure)
        }
    }

    /// Projects under `gerrit.basePath` that one remote maps to one URL (``MirrorTargets``): the
    /// daemon refuses those URLs, so they are errors here.
    private static func collisionDiagnostics(_ configuration: ReplicationConfiguration) -> [ConfigDiagnostic] {
        let remotes = configuration.remotes.filter(MirrorTargets.canCollide)
        guard !remotes.isEmpty, let projects = try? ProjectDirectory.projects(under: configuration.gerrit.basePath)
        else { return [] }
        return remotes.flatMap { remote in
            MirrorTargets.diagnostics(among: projects, remote: remote, replicates: { remote.replicates(project: $0) })
        }
    }

    /// Each remote's `authGroup`s against the site's groups: All-Projects' `refs/meta/config:groups`
    /// and All-Users' `refs/groups/*`, as the daemon resolves them.
    private static func authGroupDiagnostics(_ configuration: ReplicationConfiguration) -> [ConfigDiagnostic] {
        guard configuration.remotes.contains(where: { !$0.authGroups.isEmpty }) else { return [] }
        LibGit2.initialize()
        let (groups, source) = SiteAccess().knownGroups(basePath: configuration.gerrit.basePath)
        return configuration.remotes.flatMap { $0.authGroupDiagnostics(groups: groups, source: source) }
    }
}
