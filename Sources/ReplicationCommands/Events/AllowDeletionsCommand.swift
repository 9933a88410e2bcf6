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

    func validate() throws {
        if let problem = ProjectName.problem(with: self.project) {
            throw ValidationError("invalid project '\(self.project)': \(problem)")
        }
    }

    func run() async throws {
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
