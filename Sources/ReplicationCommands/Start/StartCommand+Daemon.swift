import ArgumentParser
import Foundation
import ReplicationCore
import ReplicationDaemon

extension StartCommand {
    /// `start --daemon URL`: the daemon queues the syncs (and with `--wait` long-polls their first
    /// attempts); the outcome prints as text, JSON, or the plugin's lines. Exit status as `start`.
    func runThroughDaemon(_ daemon: String) async throws {
        guard !self.dryRun else { throw ValidationError("--dry-run runs here: it cannot go through --daemon") }
        let client = try DaemonControlClient(daemon: daemon, configuration: self.options)
        let request = ControlAPI.StartRequest(
            projects: self.select.patterns,
            all: self.select.all,
            remotes: self.select.remotes,
            url: self.select.url,
            now: self.now,
            allowMassDeletion: self.allowMassDeletion
        )
        let (_, answer) = try await client.post(
            "start",
            request,
            query: self.wait ? "?wait=3600" : "",
            timeout: .seconds(self.wait ? 3_700 : 30),
            as: ControlAPI.StartResponse.self
        )
        let format = self.format ?? (self.json ? .json : .text)
        if format == .json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            Output.print(String(decoding: try encoder.encode(answer), as: UTF8.self))
        } else {
            Output.print(Self.text(answer, waited: self.wait, gerrit: format == .gerrit), terminator: "")
        }
        let failed =
            !answer.missing.isEmpty
            || (self.wait && (!answer.complete || answer.outcomes.contains { $0.result != "ok" }))
        if failed { throw ExitCode(ExitStatus.failure) }
    }

    static func text(_ answer: ControlAPI.StartResponse, waited: Bool, gerrit: Bool) -> String {
        var lines = answer.missing.map { "error: no such project: \($0)" }
        guard waited else {
            return (lines + ["Queued a full sync of \(answer.events.count) project(s) on the daemon."]).map {
                $0 + "\n"
            }
            .joined()
        }
        for outcome in answer.outcomes {
            if gerrit {
                let status = outcome.result == "ok" ? "Succeeded! (OK)" : "FAILED! (unknown)"
                let node = NoticeTarget(url: outcome.url).node
                lines.append("Replicate \(outcome.project) refs \(ReplicationNotice.allRefs) to \(node), \(status)")
                continue
            }
            let refs = outcome.refs.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            let error = outcome.error.map { ": \($0)" } ?? ""
            lines.append(
                "\(outcome.project) -> \(outcome.url) (remote \(outcome.remote)): \(outcome.result)\(refs.isEmpty ? "" : " (\(refs))")\(error)"
            )
        }
        if !answer.complete { lines.append("timeout: not every URL reported its first attempt yet; they stay queued") }
        if gerrit {
            let success = answer.complete && answer.outcomes.allSatisfy { $0.result == "ok" }
            lines +=
                answer.outcomes.isEmpty
                ? ["Nothing to replicate"]
                : [
                    "----------------------------------------------",
                    success ? "Replication completed successfully!" : "Replication completed with some errors!",
                ]
        }
        return lines.map { $0 + "\n" }.joined()
    }
}
