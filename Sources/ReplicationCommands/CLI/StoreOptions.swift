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
                else ../data/replicator/tasks.sqlite next to the configuration file (a Gerrit site's                 data/), or /var/lib/replicator/tasks.sqlite for a configuration under /etc.
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
    /// The store must answer within `replicator.storeTimeout`, else the process exits with status 1
    /// and a message (a hook must never hang a `git push`): opening it, and with `bounded` (short
    /// commands) everything `body` does too.
    func withStore<Result: Sendable>(
        for configuration: ReplicationConfiguration,
        logger: Logger = Logger(label: "replicator", factory: { _ in SwiftLogNoOpLogHandler() }),
        bounded: Bool = true,
        _ body: (any TaskStore) async throws -> Result
    ) async throws -> Result {
        let location = self.location(for: configuration)
        let watchdog = StoreWatchdog(timeout: configuration.daemon.storeTimeout, location: Self.redacted(location))
        defer { watchdog.disarm() }
        let store: any TaskStore =
            DaemonOptions.isDatabaseURL(location)
            ? try PostgresTaskStore(
                url: location,
                leaseTimeout: configuration.daemon.leaseTimeout,
                connectTimeout: configuration.daemon.storeTimeout,
                logger: logger
            )
            : try SQLiteTaskStore(path: location)
        // Not awaited once cancelled: a store whose connections cannot close (a stalled database)
        // must not hold the process after its work is done.
        let running = Task { await store.run() }
        defer { running.cancel() }
        do {
            try await store.prepare()
        } catch {
            throw CommandFailure("cannot prepare the task store \(Self.redacted(location)): \(error)")
        }
        if !bounded { watchdog.disarm() }
        return try await body(store)
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

/// Ends the process when the store does not answer in time: postgres-nio may wait on a silent
/// server without end, and a cancelled wait is not guaranteed to return.
private final class StoreWatchdog: @unchecked Sendable {  // DispatchWorkItem.cancel is thread-safe
    private let item: DispatchWorkItem

    init(timeout: Duration, location: String) {
        let item = DispatchWorkItem {
            let message =
                "error: the task store \(location) did not answer within \(timeout.configText) (replicator.storeTimeout)\n"
            try? FileHandle.standardError.write(contentsOf: Data(message.utf8))
            exit(ExitStatus.failure)
        }
        self.item = item
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout.timeInterval, execute: item)
    }

    func disarm() {
        self.item.cancel()
    }
}

extension Duration {
    var timeInterval: TimeInterval {
        Double(self.components.seconds) + Double(self.components.attoseconds) / 1e18
    }
}
