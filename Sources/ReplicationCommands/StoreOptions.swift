import ArgumentParser
import Foundation
import ReplicationCore
import ReplicationDaemon

/// `--store PATH | postgres://…`, shared by every command that touches the queue.
struct StoreOptions: ParsableArguments {
    static let environmentVariable = "REPLICATOR_STORE"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "The task queue: an SQLite file.",
            discussion: """
                Default: $\(Self.environmentVariable) when set, else replicator.store from the configuration, \
                else ../data/replicator/tasks.sqlite next to the configuration file.
                """,
            valueName: "path"
        )
    )
    var store: String?

    /// Where the queue is, for `configuration`.
    func location(for configuration: ReplicationConfiguration) -> String {
        if let chosen = self.store ?? ProcessInfo.processInfo.environment[Self.environmentVariable] {
            return chosen.hasPrefix("postgres://") ? chosen : LocalConfigFileSystem.absolute(chosen)
        }
        return configuration.daemon.store
    }

    /// Opens the queue (creating it when needed).
    func open(for configuration: ReplicationConfiguration) throws -> any TaskStore {
        let location = self.location(for: configuration)
        guard !location.hasPrefix("postgres://") else {
            throw CommandFailure("postgres:// stores are not supported yet; use an SQLite file")
        }
        return try SQLiteTaskStore(path: location)
    }
}

extension ReplicationConfiguration {
    /// Loads the configuration or prints its errors and fails with status 1.
    static func loadForCommand(_ options: ConfigOptions) throws -> ReplicationConfiguration {
        let configuration = ReplicationConfiguration.load(path: options.path, fileSystem: LocalConfigFileSystem())
        guard configuration.isUsable else {
            let text = configuration.diagnostics.filter { $0.severity == .error }.map(\.description)
            FileHandle.standardError.write(Data((text.joined(separator: "\n") + "\n").utf8))
            throw ExitCode(ExitStatus.failure)
        }
        return configuration
    }
}
