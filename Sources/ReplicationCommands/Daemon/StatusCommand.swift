import ArgumentParser
import Foundation
import ReplicationCore
import ReplicationDaemon

/// `replicator status`: the daemon's `/status`, or what the queue holds when no daemon answers.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the replication queue: per remote and URL, pending and running pushes, failures.",
        discussion: "Exit status: 0 when the daemon answered, 1 when it did not (the queue's summary is printed)."
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var storeOptions: StoreOptions

    @Option(name: .long, help: ArgumentHelp("The daemon's HTTP address.", valueName: "host:port"))
    var listen: String?

    @Flag(name: .long, help: "Print JSON (the daemon's /status document).")
    var json = false

    func run() async throws {
        let configuration = try ReplicationConfiguration.loadForCommand(self.options)
        let client = try DaemonClient(configuration: configuration, listen: self.listen)
        if let status = try await client.status() {
            Output.print(self.json ? try Self.document(status, daemon: "running") : Self.text(status), terminator: "")
            return
        }
        let (summary, held) = try await self.storeOptions.withStore(for: configuration) {
            (try await $0.summary(), try await $0.heldPushes())
        }
        let location = StoreOptions.redacted(self.storeOptions.location(for: configuration))
        if self.json {
            let status = Self.status(summary: summary, held: held)
            var queue: [String: Any] = ["pendingEvents": summary.pendingEvents]
            queue["oldestStoredAt"] = summary.oldestStoredAt.map { ISO8601Time.text(secondsSince1970: $0) }
            queue["unreadableEvents"] = summary.unreadableEvents
            let extra: [String: Any] = ["store": location, "queue": queue]
            Output.print(try Self.document(status, daemon: "not running", adding: extra), terminator: "")
        } else {
            let age = summary.oldestStoredAt.map { ", oldest \(Int(Date().timeIntervalSince1970 - $0)) s" } ?? ""
            Output.print("daemon: not running at \(client.address)")
            Output.print("store: \(location): \(summary.pendingEvents) pending event(s)\(age)")
            for push in held {
                Output.print(
                    "held: \(push.target.project) -> \(push.target.url) (remote \(push.target.remote)): "
                        + "\(push.deletions) deletion(s); replicator allow-deletions \(push.target.project) "
                        + "--remote \(push.target.remote)"
                )
            }
        }
        throw ExitCode(ExitStatus.failure)
    }

    /// `status --json` has one shape whether the daemon answers or not: the `/status` document
    /// (built from the store when nobody answers: no remotes' detail, `ready` false) plus
    /// `schemaVersion`, `daemon` (`running` or `not running`) and, when not running, `store` and
    /// `queue` (the store's own summary).
    static func document(_ status: DaemonStatus, daemon: String, adding extra: [String: Any] = [:]) throws -> String {
        var object = try Self.object(status)
        object["schemaVersion"] = JSONSchemaVersion.current
        object["daemon"] = daemon
        object.merge(extra) { _, new in new }
        let data = try JSONSerialization.data(
            withJSONObject: object,
            options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        )
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static func object(_ value: some Encodable) throws -> [String: Any] {
        let data = try JSONEncoder().encode(value)
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    /// What the store alone says, in `/status`'s shape.
    static func status(summary: StoreSummary, held: [HeldPush]) -> DaemonStatus {
        let now = Date().timeIntervalSince1970
        var status = DaemonStatus(
            ready: false,
            caughtUp: summary.pendingEvents == 0,
            pendingEvents: summary.pendingEvents,
            oldestPendingSeconds: summary.oldestStoredAt.map { max(0, now - $0) }
        )
        status.unreadableEvents = summary.unreadableEvents
        status.held = held.map { push in
            DaemonStatus.Held(
                remote: push.target.remote,
                project: push.target.project,
                url: push.target.url,
                deletions: push.deletions,
                reason: push.reason,
                events: 0,
                release: push.target.allowDeletionsCommand
            )
        }
        return status
    }

    static func text(_ status: DaemonStatus) -> String {
        var lines = [
            "daemon: \(status.ready ? "ready" : "starting"), \(status.caughtUp ? "caught up" : "behind")",
            "pending events: \(status.pendingEvents)"
                + (status.oldestPendingSeconds.map { String(format: ", oldest %.0f s", $0) } ?? ""),
        ]
        if let error = status.configurationError { lines.append("configuration change rejected: \(error)") }
        if let node = status.node { lines.append("node: \(node)") }
        for node in status.cluster {
            var line = "  node \(node.name): \(node.projects.count) project(s) held"
            if !node.pushing.isEmpty { line += ", pushing \(node.pushing.joined(separator: ", "))" }
            lines.append(line)
        }
        for held in status.held {
            lines.append(
                "held: \(held.project) -> \(held.url) (remote \(held.remote)): \(held.deletions) deletion(s), "
                    + "\(held.events) event(s); let it through once with: \(held.release)"
            )
        }
        for webhook in status.webhooks {
            var line = "webhook \(webhook.url): \(webhook.delivering ? "delivering" : "delivered by another node")"
            if let through = webhook.deliveredThrough { line += ", through event \(through)" }
            if let error = webhook.lastError {
                line += ", failing since \(webhook.failingSince ?? "-") (\(webhook.failures) POSTs): \(error)"
            }
            lines.append(line)
        }
        for remote in status.remotes {
            lines.append("")
            lines.append(
                "remote \(remote.name): \(remote.queueDepth) pending, \(remote.inFlight)/\(remote.threads) running"
            )
            for target in remote.targets {
                var line = "  \(target.url) [\(target.state)]"
                if let success = target.lastSuccess { line += " last success \(success)" }
                if target.consecutiveFailures > 0 { line += ", \(target.consecutiveFailures) failure(s) in a row" }
                lines.append(line)
                if let error = target.lastError { lines.append("    last error (\(error.class)): \(error.message)") }
                if let blocked = target.blocked { lines.append("    blocked: \(blocked)") }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
