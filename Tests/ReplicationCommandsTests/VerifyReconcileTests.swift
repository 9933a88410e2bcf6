import Foundation
import ReplicationTestSupport
import Testing

/// `replicator verify` and the daemon's reconcile against a real sshd and real receive-pack: drift
/// that no event announced is reported with the right kind and repaired with delta pushes only.
@Suite(.offThePool)
struct VerifyReconcileTests {
    /// A source and a GitHub-style mirror (with `refs/pull/*`) over ssh, in sync, whose
    /// post-receive hook logs every ref a push changed.
    final class Site {
        let layout: SiteLayout
        let server: SSHServer
        var directory: TemporaryDirectory { self.layout.directory }
        var config: String { self.layout.config }
        var source: String { self.layout.source() }
        var mirror: String { self.directory.path("mirror/p.git") }
        var pushLog: String { self.directory.path("pushes.log") }
        let base: String  // the first commit

        init(reconcileInterval: String, replicateOnStartup: Bool = false, delay: Int = 0) throws {
            self.layout = try SiteLayout("verify")
            self.server = try SSHServer()
            let ids = try self.layout.makeSource(refs: [("refs/heads/main", "c1")])
            self.base = ids["refs/heads/main"]!
            for ref in ["refs/heads/dev", "refs/heads/release/1", "refs/tags/v1", "refs/tags/v2"] {
                try Command.git(["update-ref", ref, self.base], in: self.directory.path("git/p.git"))
            }
            try self.layout.makeMirror("mirror/p.git")
            try Command.git(
                ["push", "-q", self.directory.path("mirror/p.git"), "refs/*:refs/*"],
                in: self.directory.path("git/p.git")
            )
            try Command.git(["update-ref", "refs/pull/1/head", self.base], in: self.directory.path("mirror/p.git"))
            let hook =
                "#!/bin/sh\necho push >> '\(self.directory.path("pushes.log"))'\ncat >> '\(self.directory.path("pushes.log"))'\n"
            try self.directory.write(hook, to: "mirror/p.git/hooks/post-receive")
            chmod(self.directory.path("mirror/p.git/hooks/post-receive"), 0o755)
            try self.layout.writeConfig(
                """
                [gerrit]
                  basePath = ../git
                  replicateOnStartup = \(replicateOnStartup)
                [remote "gh"]
                  url = \(self.layout.sshURL(self.server, mirrorsIn: "mirror"))
                  push = refs/heads/release/*:refs/heads/release/*
                  push = +refs/heads/*:refs/heads/*
                  push = +refs/tags/*:refs/tags/*
                  mirror = true
                  replicationDelay = \(delay)
                  reconcileInterval = \(reconcileInterval)
                  \(SiteLayout.sshAccess(self.server))
                """
            )
        }

        /// A commit on top of `parent` in `repository`, at `ref`.
        @discardableResult
        func commit(_ ref: String, on parent: String, _ message: String, in repository: String) throws -> String {
            let tree = try Command.git(["hash-object", "-t", "tree", "-w", "/dev/null"], in: repository)
            let id = try Command.git(["commit-tree", tree, "-p", parent, "-m", message], in: repository)
            try Command.git(["update-ref", ref, id], in: repository)
            return id
        }

        /// Every kind of drift, none announced by an event. Returns the source's new values.
        func drift() throws -> [String: String] {
            var source: [String: String] = [:]
            source["main"] = try self.commit("refs/heads/main", on: self.base, "c2", in: self.source)  // stale
            source["dev"] = try self.commit("refs/heads/dev", on: self.base, "c3", in: self.source)  // diverged…
            source["mirrorDev"] = try self.commit("refs/heads/dev", on: self.base, "c4", in: self.mirror)  // …here
            source["release"] = try self.commit("refs/heads/release/1", on: self.base, "c5", in: self.source)
            source["mirrorRelease"] = try self.commit("refs/heads/release/1", on: self.base, "c6", in: self.mirror)
            try Command.git(["update-ref", "refs/heads/intruder", self.base], in: self.mirror)  // extra
            try Command.git(["update-ref", "-d", "refs/tags/v2"], in: self.source)  // extra: deleted, no event
            try Command.git(["update-ref", "refs/tags/v3", source["main"]!], in: self.source)  // missing
            try Command.git(["update-ref", "refs/pull/2/head", source["mirrorDev"]!], in: self.mirror)  // outside
            return source
        }

        func replicator(_ arguments: [String]) throws -> ReplicatorProcess.Result {
            try ReplicatorProcess.run(arguments + ["--config", self.config])
        }

        /// Refs the mirror's pushes changed, one entry per ref line of the hook log.
        var pushedRefs: [String] {
            let text = (try? String(contentsOfFile: self.pushLog, encoding: .utf8)) ?? ""
            return text.split(separator: "\n").filter { $0 != "push" }.compactMap {
                $0.split(separator: " ").last.map(String.init)
            }
        }
    }

    static func verification(_ output: String) throws -> [String: Any] {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
        let verifications = try #require(json["verifications"] as? [[String: Any]])
        return try #require(verifications.first)
    }

    static func kinds(_ verification: [String: Any]) -> [String] {
        let drift = verification["drift"] as? [String: Any] ?? [:]
        return (drift["differences"] as? [[String: Any]] ?? []).map { "\($0["kind"] ?? "") \($0["ref"] ?? "")" }
    }

    @Test func verifyNamesEveryDifferenceInsideTheScopeAndChangesNothing() throws {
        let site = try Site(reconcileInterval: "0")
        let before = try site.replicator(["verify", "--all"])
        #expect(before.status == 0, "\(before.standardOutput)\(before.standardError)")
        #expect(before.standardOutput.contains("p gh ssh://") && before.standardOutput.contains(": in sync"))
        let values = try site.drift()
        let mirrorBefore = try GitFixtures.refs(of: site.mirror)
        let result = try site.replicator(["verify", "--all", "--json"])
        #expect(result.status == 1, "\(result.standardError)")
        let verification = try Self.verification(result.standardOutput)
        #expect(verification["result"] as? String == "differs")
        #expect(
            Self.kinds(verification) == [
                "diverged refs/heads/dev", "extra refs/heads/intruder", "stale refs/heads/main",
                "diverged refs/heads/release/1", "extra refs/tags/v2", "missing refs/tags/v3",
            ]
        )
        let differences = (verification["drift"] as? [String: Any])?["differences"] as? [[String: Any]] ?? []
        #expect(differences.first?["sourceId"] as? String == values["dev"])
        #expect(differences.first?["mirrorId"] as? String == values["mirrorDev"])
        #expect(verification["sourceChecksum"] as? String != verification["mirrorChecksum"] as? String)
        #expect(!result.standardOutput.contains("refs/pull/"))
        #expect(try GitFixtures.refs(of: site.mirror) == mirrorBefore, "verify changed the mirror")
        let text = try site.replicator(["verify", "p"])
        #expect(text.status == 1)
        // Exiting with sessions in the pool once crashed (a session closed on another thread while
        // exit tore OpenSSL down): every run must end with its status, not a signal.
        for _ in 0..<4 { #expect(try site.replicator(["verify", "p"]).status == 1) }
        #expect(text.standardOutput.contains("6 difference(s)"))
        #expect(
            text.standardOutput.contains(
                "stale    refs/heads/main: mirror \(site.base) is behind source \(values["main"]!)"
            )
        )

        // Made equal by hand, the two checksums agree.
        let refs = ["refs/heads/main", "refs/heads/dev", "refs/heads/release/1", "refs/tags/v3"]
        try Command.git(["push", "-q", "--force", site.mirror] + refs, in: site.source)
        try Command.git(["update-ref", "-d", "refs/heads/intruder"], in: site.mirror)
        try Command.git(["update-ref", "-d", "refs/tags/v2"], in: site.mirror)
        let equal = try Self.verification(try site.replicator(["verify", "--all", "--json"]).standardOutput)
        #expect(equal["result"] as? String == "in-sync")
        #expect(equal["sourceChecksum"] as? String == equal["mirrorChecksum"] as? String)
        #expect((equal["sourceChecksum"] as? String)?.count == 40)
        #expect(try site.replicator(["verify", "--all", "--remote", "nope"]).status == 2)
        #expect(try site.replicator(["verify"]).status == 2)
    }

    @Test func theDaemonRepairsDriftWithDeltaPushesOnly() throws {
        let site = try Site(reconcileInterval: "3s")
        let values = try site.drift()
        let port = try SSHServer.freePort()
        let daemon = try ServedReplicator(config: site.config, port: port, log: site.directory.path("serve.log"))
        defer { daemon.stop() }
        #expect(daemon.isHealthy(), "\(daemon.log)")
        // The round at startup (replicateOnStartup = false) repairs everything but the non-forced branch.
        let repaired = eventually(timeout: .seconds(60)) {
            let refs = (try? GitFixtures.refs(of: site.mirror)) ?? [:]
            return refs["refs/heads/main"] == values["main"] && refs["refs/heads/dev"] == values["dev"]
                && refs["refs/tags/v3"] == values["main"] && refs["refs/heads/intruder"] == nil
                && refs["refs/tags/v2"] == nil
        }
        #expect(repaired, "\(daemon.log)")
        let mirror = try GitFixtures.refs(of: site.mirror)
        #expect(mirror["refs/heads/release/1"] == values["mirrorRelease"], "a non-forced diverged ref was forced")
        #expect(mirror["refs/pull/1/head"] == site.base && mirror["refs/pull/2/head"] == values["mirrorDev"])
        #expect(
            Set(site.pushedRefs)
                == ["refs/heads/main", "refs/heads/dev", "refs/tags/v3", "refs/heads/intruder", "refs/tags/v2"],
            "\(site.pushedRefs)"
        )
        #expect(!daemon.log.contains("..all.."), "a full sync ran: \(daemon.log)")
        #expect(daemon.log.contains("Drift left on the mirror") && daemon.log.contains("refs/heads/release/1"))

        // Later drift is caught by the interval's reconcile.
        let later = try site.commit("refs/heads/main", on: values["main"]!, "c7", in: site.source)
        #expect(
            eventually(timeout: .seconds(30)) { (try? GitFixtures.refs(of: site.mirror))?["refs/heads/main"] == later },
            "\(daemon.log)"
        )
        let status = try HTTPClient.get("\(daemon.base)/status")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any])
        let verifications = try #require(json["verifications"] as? [[String: Any]])
        #expect(verifications.count == 1)
        #expect(verifications.first?["project"] as? String == "p" && verifications.first?["at"] is String)
        let metrics = try HTTPClient.get("\(daemon.base)/metrics").body
        #expect(metrics.contains(#"replication_drift_refs{remote="gh",kind="diverged"}"#), "\(metrics)")
        #expect(metrics.contains(#"replication_last_verified_seconds{remote="gh"}"#))
        #expect(!Set(site.pushedRefs).contains("refs/heads/release/1"))
    }

    @Test func aRestartOfTheEventsCommandStartsARoundThatCatchesWhatWasMissed() throws {
        let site = try Site(reconcileInterval: "1h", replicateOnStartup: true)
        let port = try SSHServer.freePort()
        let daemon = try ServedReplicator(
            config: site.config,
            port: port,
            log: site.directory.path("serve.log"),
            arguments: ["--events-from", "sleep 3"]
        )
        defer { daemon.stop() }
        #expect(daemon.isHealthy(), "\(daemon.log)")
        // The startup sync is done (it found nothing to push) before the source changes.
        let synced = eventually(timeout: .seconds(30)) {
            guard let body = try? HTTPClient.get("\(daemon.base)/status").body,
                let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
                let remotes = json["remotes"] as? [[String: Any]],
                let targets = remotes.first?["targets"] as? [[String: Any]]
            else { return false }
            return json["pendingEvents"] as? Int == 0 && targets.first?["lastSuccess"] is String
        }
        #expect(synced, "\(daemon.log)")
        // Missed while the stream is down: no event, no interval reconcile due for an hour.
        let missed = try site.commit("refs/heads/main", on: site.base, "while down", in: site.source)
        #expect(
            eventually(timeout: .seconds(45)) {
                (try? GitFixtures.refs(of: site.mirror))?["refs/heads/main"] == missed
            },
            "\(daemon.log)"
        )
        // The round that caught it was the restart's (the log line may follow the push under load).
        #expect(
            eventually(timeout: .seconds(20)) { daemon.log.contains("the --events-from command restarted") },
            "\(daemon.log)"
        )
    }
}

/// etc/grafana/replicator.json and etc/prometheus/alerts.yml: every query and rule names metrics a
/// running daemon exposes, and the exposition passes promtool's lint (HELP text on every family).
@Suite(.offThePool)
struct GrafanaDashboardTests {
    static let promtool = "/usr/bin/promtool"

    @Test func everyMetricTheDashboardQueriesExists() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let rules = try String(contentsOf: root.appendingPathComponent("etc/prometheus/alerts.yml"), encoding: .utf8)
        let ruled = Set(rules.matches(of: /replicat(?:ion|or)_[a-z_]+/).map { String($0.output) })
        #expect(ruled.count >= 5, "\(ruled)")
        let data = try Data(contentsOf: root.appendingPathComponent("etc/grafana/replicator.json"))
        let dashboard = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        let expressions = panels.flatMap {
            ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String }
        }
        #expect(expressions.count >= 10)
        let names = Set(
            expressions.flatMap { expression in
                expression.matches(of: /replication_[a-z_]+/).map { String($0.output) }
            }
        ).union(ruled)
        #expect(names.count >= 10, "\(names)")

        // A daemon that pushed, verified and POSTed to a webhook (nothing listens: it fails and
        // retries): every family has samples.
        let site = try VerifyReconcileTests.Site(reconcileInterval: "2s")
        _ = try site.drift()
        let config = try String(contentsOfFile: site.config, encoding: .utf8)
        let webhook = "http://127.0.0.1:\(try SSHServer.freePort())/hook"
        try (config + "\n[replicator]\n  webhook = \(webhook)\n").write(
            toFile: site.config,
            atomically: true,
            encoding: .utf8
        )
        let daemon = try ServedReplicator(
            config: site.config,
            port: try SSHServer.freePort(),
            log: site.directory.path("serve.log")
        )
        defer { daemon.stop() }
        #expect(daemon.isHealthy(), "\(daemon.log)")
        #expect(try daemon.post(GerritEvent.refUpdated("refs/tags/v3")).status == 202)
        var metrics = ""
        let complete = eventually(timeout: .seconds(30)) {
            metrics = (try? HTTPClient.get("\(daemon.base)/metrics").body) ?? ""
            return names.allSatisfy { name in
                metrics.split(separator: "\n").contains { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
            }
        }
        let missing = names.filter { name in
            !metrics.split(separator: "\n").contains { $0.hasPrefix(name + "{") || $0.hasPrefix(name + " ") }
        }
        #expect(complete, "not in /metrics: \(missing.sorted())\n\(metrics)")
        #expect(metrics.contains("replicator_build_info{version=\""), "\(metrics)")

        try Command.requireInstalled(Self.promtool, package: "prometheus")
        let lint = try Command.run(Self.promtool, ["check", "metrics"], input: metrics)
        #expect(lint.status == 0, "\(lint.standardOutput)\(lint.standardError)")
        #expect((lint.standardOutput + lint.standardError).isEmpty, "\(lint.standardOutput)\(lint.standardError)")
    }

    /// The alerting rules load, and each fires (and only then) on the series of its own unit test.
    @Test func theAlertingRulesLoadAndFireAsTheirTestsSay() throws {
        try Command.requireInstalled(Self.promtool, package: "prometheus")
        let directory = ReplicatorProcess.packageRoot.appendingPathComponent("etc/prometheus")
        let check = try Command.run(
            Self.promtool,
            ["check", "rules", directory.appendingPathComponent("alerts.yml").path]
        )
        #expect(check.status == 0, "\(check.standardOutput)\(check.standardError)")
        #expect(check.standardOutput.contains("SUCCESS: 6 rules found"), "\(check.standardOutput)")
        let test = try Command.run(
            Self.promtool,
            ["test", "rules", directory.appendingPathComponent("alerts.test.yml").path]
        )
        #expect(test.status == 0, "\(test.standardOutput)\(test.standardError)")
    }
}
