import ArgumentParser
import Foundation
import ReplicationCore
import ReplicationDaemon

/// `replicator list`: Gerrit's `replication list`: remotes, their URLs and queued pushes.
struct ListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List remotes with their URLs and their pending and running pushes (Gerrit's replication list).",
        discussion: "With --detail, also every node sharing the store: the projects it holds and the URLs it pushes to."
    )

    @OptionGroup var options: ConfigOptions

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
        let status = try await DaemonClient(configuration: configuration, listen: self.listen).status()
        for remote in configuration.remotes where self.selects(remote.name) {
            let queue = status?.remotes.first { $0.name == remote.name }
            let entry = ListEntry(remote: remote, queue: queue, detail: self.detail)
            print(self.json ? try entry.jsonLine() : entry.text)
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
                print(String(decoding: data, as: UTF8.self))
            } else {
                print("Node: \(node.name)")
                print("Projects: \(node.projects.joined(separator: " "))")
                for url in node.pushing { print("  push \(url)") }
                print("")
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
        lines.append("Pending: \(pending.count)")
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
