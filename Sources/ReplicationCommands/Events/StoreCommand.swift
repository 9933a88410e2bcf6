import ArgumentParser
import Foundation
import ReplicationCore
import ReplicationDaemon

/// `replicator store`: the queue itself.
struct StoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Manage the task queue.",
        subcommands: [MoveStoreCommand.self]
    )
}

/// `replicator store move --to URL`: moves every queued event from the current store (`--store`, else
/// the configuration's) to another one, e.g. from the embedded SQLite file to PostgreSQL.
struct MoveStoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "move",
        abstract: "Move every queued event to another store (e.g. SQLite to PostgreSQL).",
        discussion: """
            Stop the daemon first: the move needs the right to push from the source store and fails \
            (exit 1) while a daemon holds it. Events are appended to the target, then removed from the \
            source, in batches; an interrupted move leaves each event in at least one store (some \
            possibly in both, which replays harmlessly).
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .long, help: ArgumentHelp("The store to move the events to.", valueName: "path | postgres://…"))
    var to: String

    func run() async throws {
        let configuration = try ReplicationConfiguration.loadForCommand(self.options)
        var target = StoreOptions()
        target.store = self.to
        let moved = try await self.storeOptions.withStore(for: configuration, bounded: false) { source in
            guard let lease = try await source.acquireExecutorLease(wait: false) else {
                throw CommandFailure("a daemon is pushing from the source store; stop it first")
            }
            defer { lease.release() }
            return try await target.withStore(for: configuration, bounded: false) { destination in
                try await Self.move(from: source, to: destination)
            }
        }
        Output.print("Moved \(moved) event(s) to \(StoreOptions.redacted(target.location(for: configuration))).")
    }

    private static func move(from source: any TaskStore, to destination: any TaskStore) async throws -> Int {
        let node = "store-move:\(ProcessInfo.processInfo.processIdentifier)"
        var moved = 0
        while true {
            let events = try await source.claimEvents(node: node, only: nil, limit: 500)
            guard !events.isEmpty else { break }
            // Targets an event already reached are not carried over: the destination pushes it
            // again there, which is harmless (pushes read current state).
            _ = try await destination.append(events.map(\.event), source: .storeMove, wantsOutcomes: false)
            let ids = events.map(\.id)
            try await source.recordCompleted(ids)
            moved += events.count
        }
        return moved
    }
}
