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
        let report = ConfigReport(configuration, extra: Self.authGroupDiagnostics(configuration))
        print(Credentials.redact(self.json ? try report.jsonText() : report.humanText()), terminator: "")
        guard configuration.isUsable else { throw ExitCode(ExitStatus.failure) }
    }

    /// Each remote's `authGroup`s against the site's groups: All-Projects' `refs/meta/config:groups`
    /// and All-Users' `refs/groups/*`, as the daemon resolves them.
    private static func authGroupDiagnostics(_ configuration: ReplicationConfiguration) -> [ConfigDiagnostic] {
        guard configuration.remotes.contains(where: { !$0.authGroups.isEmpty }) else { return [] }
        LibGit2.initialize()
        let path = ProjectDirectory.repositoryPath(of: "All-Projects", under: configuration.gerrit.basePath)
        let text = (try? GitRepository(path: path))?.file("groups", at: "refs/meta/config")
        let users = SiteAccess.shared.groupNames(basePath: configuration.gerrit.basePath)
        var groups = text.map(GerritGroups.init(parsing:))
        if !users.isEmpty {
            groups = groups ?? GerritGroups(parsing: "")
            for (name, uuid) in users { groups?.names[uuid] = name }
        }
        let source =
            switch (text == nil, users.isEmpty) {
            case (true, true): "no refs/meta/config:groups in \(path), no groups in All-Users"
            case (false, true): "All-Projects' groups file"
            case (true, false): "All-Users' groups"
            case (false, false): "All-Projects' groups file and All-Users' groups"
            }
        return configuration.remotes.flatMap { $0.authGroupDiagnostics(groups: groups, source: source) }
    }
}
