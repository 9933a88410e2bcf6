import ArgumentParser
import Foundation
import ReplicationCore
import ReplicationDaemon

/// `replicator list`: Gerrit's `replication list`: remotes, their URLs and queued pushes.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List remotes with their URLs and their pending and running pushes (Gerrit's replication list).",
        discussion: """
            With --detail, also every node sharing the store: the projects it holds and the URLs it pushes to. \
            Exit status: 0; 1 when no daemon answers (pending pushes are then unknown: the store's count of \
            queued events is printed instead); 2 for usage errors.
            """
    )

    @OptionGroup var options: ConfigOptions
    @OptionGroup var storeOptions: StoreOptions

    @Option(
        name: .long,
        help: ArgumentHelp("Remotes whose name contains or fully matches this regex.", valueName: "pattern")
    )
    var remote: String?

    @Flag(name: .long, help: "Also print admin URLs, project filters and running pushes.")
    var detail = false

    @Flag(name: .long, help: "One JSON object per remote and line.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("The daemon's HTTP address.", valueName: "host:port"))
    var listen: String?

    func run() async throws {
        let configuration = try ReplicationConfiguration.loadForCommand(self.options)
        let client = try DaemonClient(configuration: configuration, listen: self.listen)
        let status = try await client.status()
        for remote in configuration.remotes where self.selects(remote.name) {
            let queue = status?.remotes.first { $0.name == remote.name }
            let entry = ListEntry(remote: remote, queue: queue, detail: self.detail, known: status != nil)
            Output.print(self.json ? try entry.jsonLine() : entry.text)
        }
        guard status != nil else {
            // Without the daemon, "Pending: 0" would be a guess: say what the store holds instead.
            let summary = try await self.storeOptions.withStore(for: configuration) { try await $0.summary() }
            FileHandle.standardError.write(
                Data(
                    "replicator list: no daemon answers at \(client.address); pending pushes are unknown, and the store holds \(summary.pendingEvents) queued event(s)\n"
                        .utf8
                )
            )
            throw ExitCode(ExitStatus.failure)
        }
        // Nodes sharing the store, with the projects they hold and the URLs they push to now.
        guard self.detail, let cluster = status?.cluster, !cluster.isEmpty else { return }
        for node in cluster {
            if self.json {
                let object: [String: Any] = ["Node": node.name, "Projects": node.projects, "Pushing": node.pushing]
                let data = try JSONSerialization.data(
                    withJSONObject: object,
                    options: [.sortedKeys, .withoutEscapingSlashes]
                )
                Output.print(String(decoding: data, as: UTF8.self))
            } else {
                Output.print("Node: \(node.name)")
                Output.print("Projects: \(node.projects.joined(separator: " "))")
                for url in node.pushing { Output.print("  push \(url)") }
                Output.print("")
            }
        }
    }

    private func selects(_ name: String) -> Bool {
        guard let pattern = self.remote else { return true }
        if name.contains(pattern) { return true }
        return (try? Regex(pattern).wholeMatch(in: name)) != nil
    }
}

/// One remote as `list` shows it; with `--json`, Gerrit's keys, empty lists left out.
private struct ListEntry {
    var remote: RemoteConfiguration
    var queue: DaemonStatus.Remote?
    var detail: Bool
    /// Whether a daemon answered: otherwise the queue is unknown, not empty.
    var known: Bool

    private func tasks(_ keyPath: KeyPath<DaemonStatus.Target, DaemonStatus.Task?>) -> [String] {
        (self.queue?.targets ?? []).compactMap { target in
            target[keyPath: keyPath].map { task in
                let retry = task.retries > 0 ? "(retry \(task.retries)) " : ""
                return "\(retry)[\(task.id)] push \(target.url) [\(task.work)]"
            }
        }
    }

    var text: String {
        var lines = ["Remote: \(self.remote.name)"] + self.remote.urls.map { "Url: \($0.text)" }
        if self.detail {
            lines += self.remote.adminUrls.map { "AdminUrl: \($0.text)" }
            lines += self.remote.projects.includes.map { "Project: \($0.text)" }
            let inFlight = self.tasks(\.inFlight)
            lines.append("In Flight: \(inFlight.count)")
            lines += inFlight.map { "  \($0)" }
        }
        let pending = self.tasks(\.pending)
        lines.append(self.known ? "Pending: \(pending.count)" : "Pending: unknown (no daemon answers)")
        lines += pending.map { "  \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }

    func jsonLine() throws -> String {
        var object: [String: [String]] = ["Url": self.remote.urls.map(\.text)]
        if self.detail {
            object["AdminUrl"] = self.remote.adminUrls.map(\.text)
            object["Project"] = self.remote.projects.includes.map(\.text)
            object["InFlight"] = self.tasks(\.inFlight)
        }
        object["Pending"] = self.tasks(\.pending)
        var json: [String: Any] = object.filter { !$0.value.isEmpty }
        json["Remote"] = self.remote.name
        let data = try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }
}
