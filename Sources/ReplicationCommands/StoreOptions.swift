import ArgumentParser
import Foundation
import Logging
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
            return DaemonOptions.isDatabaseURL(chosen) ? chosen : LocalConfigFileSystem.absolute(chosen)
        }
        return configuration.daemon.store
    }

    /// Opens the queue (creating or migrating it when needed), runs `body` with it, and closes it.
    func withStore<Result: Sendable>(
        for configuration: ReplicationConfiguration,
        logger: Logger = Logger(label: "replicator", factory: { _ in SwiftLogNoOpLogHandler() }),
        _ body: (any TaskStore) async throws -> Result
    ) async throws -> Result {
        let location = self.location(for: configuration)
        let store: any TaskStore =
            DaemonOptions.isDatabaseURL(location)
            ? try PostgresTaskStore(url: location, leaseTimeout: configuration.daemon.leaseTimeout, logger: logger)
            : try SQLiteTaskStore(path: location)
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                await store.run()
                return nil
            }
            defer { group.cancelAll() }
            do {
                try await store.prepare()
            } catch {
                throw CommandFailure("cannot prepare the task store \(Self.redacted(location)): \(error)")
            }
            return try await body(store)
        }
    }

    /// The store's location without a password, for messages.
    static func redacted(_ location: String) -> String {
        DaemonOptions.redacted(location)
    }
}

extension ReplicationConfiguration {
    /// Loads the configuration or prints its errors and fails with status 1.
    static func loadForCommand(_ options: ConfigOptions) throws -> ReplicationConfiguration {
        try self.loadWithSnapshotForCommand(options).configuration
    }

    /// ``loadForCommand(_:)``, with the snapshot of the files read (for push workers).
    static func loadWithSnapshotForCommand(_ options: ConfigOptions) throws -> (
        configuration: ReplicationConfiguration, snapshot: Data
    ) {
        let (configuration, snapshot) = ConfigSnapshot.load(path: options.path)
        guard configuration.isUsable else {
            let text = configuration.diagnostics.filter { $0.severity == .error }.map(\.description)
            try? FileHandle.standardError.write(contentsOf: Data((text.joined(separator: "\n") + "\n").utf8))
            throw ExitCode(ExitStatus.failure)
        }
        return (configuration, snapshot)
    }
}
