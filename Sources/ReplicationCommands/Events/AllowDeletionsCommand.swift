import ArgumentParser
import Foundation
import ReplicationCore
import ReplicationDaemon

/// `replicator allow-deletions`: lets pushes that the mass-deletion guard holds through, once.
struct AllowDeletionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "allow-deletions",
        abstract: "Let a push held by maxDeletions through, once.",
        discussion: """
            A push whose plan deletes more than remote.NAME.maxDeletions refs stays queued and shows in \
            status as held. This queues the permission for the project's held pushes (of --remote only, when \
            given); the daemon then pushes them, deletions included. Exit status: 0 when something held was \
            released, 1 when nothing was held, 2 for usage errors.
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var storeOptions: StoreOptions

    @Argument(help: ArgumentHelp("The project whose held pushes may delete.", valueName: "project"))
    var project: String

    @Option(name: .long, help: ArgumentHelp("Only the held pushes of this remote.", valueName: "name"))
    var remote: [String] = []

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Ask the daemon at this URL to release them (POST /allow-deletions), from any host.",
            discussion: "Its bearer token comes from $REPLICATOR_TOKEN, else from a local configuration.",
            valueName: "url"
        )
    )
    var daemon: String?

    func validate() throws {
        if let problem = ProjectName.problem(with: self.project) {
            throw ValidationError("invalid project '\(self.project)': \(problem)")
        }
    }

    func run() async throws {
        if let daemon = self.daemon { return try await self.runThroughDaemon(daemon) }
        let configuration = try ReplicationConfiguration.loadForCommand(self.options)
        for name in self.remote where configuration.remote(named: name) == nil {
            throw ValidationError("no remote named '\(name)' in the configuration")
        }
        let released = try await self.storeOptions.withStore(for: configuration) { store in
            let held = try await store.heldPushes().filter { push in
                push.target.project == self.project && (self.remote.isEmpty || self.remote.contains(push.target.remote))
            }
            guard !held.isEmpty else { return held }
            let event = ReplicationEvent(kind: .allowDeletions, project: self.project, remotes: self.remote)
            _ = try await store.append([event], source: .allowDeletions, wantsOutcomes: false)
            return held
        }
        guard !released.isEmpty else {
            Output.print(
                "nothing held for \(self.project)\(self.remote.isEmpty ? "" : " on \(self.remote.joined(separator: ", "))")"
            )
            throw ExitCode(ExitStatus.failure)
        }
        for push in released {
            Output.print(
                "allowed: \(push.target.project) -> \(push.target.url) (remote \(push.target.remote)), \(push.deletions) deletion(s)"
            )
        }
    }
}

extension AllowDeletionsCommand {
    /// `--daemon URL`: the daemon checks what is held and queues the permission; same output and
    /// exit status as here.
    private func runThroughDaemon(_ daemon: String) async throws {
        let client = try DaemonControlClient(daemon: daemon, configuration: self.options)
        let (_, answer) = try await client.post(
            "allow-deletions",
            ControlAPI.AllowDeletionsRequest(project: self.project, remotes: self.remote),
            accepting: [200, 404],
            as: ControlAPI.AllowDeletionsResponse.self
        )
        guard !answer.allowed.isEmpty else {
            Output.print(
                "nothing held for \(self.project)\(self.remote.isEmpty ? "" : " on \(self.remote.joined(separator: ", "))")"
            )
            throw ExitCode(ExitStatus.failure)
        }
        for push in answer.allowed {
            Output.print(
                "allowed: \(push.project) -> \(push.url) (remote \(push.remote)), \(push.deletions) deletion(s)"
            )
        }
    }
}
