import ArgumentParser
import Foundation
import ReplicationCore
import ReplicationDaemon

/// `replicator notify`: queue one ref update from a plain git server (or a script). The event is
/// stored even when the daemon is down; the daemon picks it up within its poll interval.
struct NotifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "notify",
        abstract: "Queue a ref update for replication.",
        discussion: """
            The daemon reads the ref's value when it pushes. --old/--new are stored to prove deletions: a ref gone \
            at the source is deleted on a mirror only while the mirror still holds one of them.
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var storeOptions: StoreOptions

    @Option(
        name: .long,
        help: ArgumentHelp("The project (its path under gerrit.basePath, without .git).", valueName: "name")
    )
    var project: String

    @Option(
        name: .long,
        help: ArgumentHelp("The ref that changed (a branch name means refs/heads/NAME).", valueName: "ref")
    )
    var ref: [String]

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Its old value: a deletion reaches a mirror only while it holds this value.",
            valueName: "id"
        )
    )
    var old: String?

    @Option(name: .long, help: ArgumentHelp("Its new value (the zero id for a deletion).", valueName: "id"))
    var new: String?

    func validate() throws {
        if let problem = ProjectName.problem(with: self.project) {
            throw ValidationError("invalid project '\(self.project)': \(problem)")
        }
        for value in [self.old, self.new].compactMap({ $0 }) where ObjectID(hex: value) == nil {
            throw ValidationError("invalid object id '\(value)': expected 40 hexadecimal digits")
        }
        _ = try RefArguments.normalize(self.ref)
    }

    func run() async throws {
        let configuration = try ReplicationConfiguration.loadForCommand(self.options)
        try RefArguments.requireProject(self.project, in: configuration)
        let refs = try RefArguments.normalize(self.ref)
        let values = ReplicationEvent.values(old: self.old, new: self.new)
        let event = ReplicationEvent.refUpdated(
            project: self.project,
            refs: refs,
            values: values.isEmpty ? nil : Dictionary(uniqueKeysWithValues: refs.map { ($0, values) })
        )
        _ = try await self.storeOptions.withStore(for: configuration) { store in
            try await store.append([event], source: .notify, wantsOutcomes: false)
        }
    }
}

/// Checks shared by `notify` and `hook`.
enum RefArguments {
    /// Full ref names; a bare branch name becomes `refs/heads/NAME` (Gerrit's short form).
    static func normalize(_ refs: [String]) throws -> [String] {
        try refs.map { ref in
            let full = ref.hasPrefix("refs/") ? ref : "refs/heads/\(ref)"
            if let problem = ProjectName.refProblem(with: full) {
                throw ValidationError("invalid ref '\(ref)': \(problem)")
            }
            return full
        }
    }

    static func requireProject(_ project: String, in configuration: ReplicationConfiguration) throws {
        let path = ProjectDirectory.repositoryPath(of: project, under: configuration.gerrit.basePath)
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure("no such project: \(path) does not exist")
        }
    }
}
