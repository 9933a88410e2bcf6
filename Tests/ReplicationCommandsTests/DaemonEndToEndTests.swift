import Foundation
import ReplicationTestSupport
import Testing

/// `replicator serve` on loopback with a real sshd mirror, fed Gerrit events over HTTP.
@Suite(.offThePool)
struct DaemonEndToEndTests {
    /// A source project `p`, an ssh mirror (mirror = true, with a pull ref of its own) and a local
    /// mirror (replicateDeletions = true, mirror = false), and a running daemon.
    final class Site {
        let layout: SiteLayout
        let server: SSHServer
        let port: Int
        var daemon: ServedReplicator?

        var directory: TemporaryDirectory { self.layout.directory }
        var config: String { self.layout.config }
        var source: String { self.layout.source() }
        var sshMirror: String { self.directory.path("ssh/p.git") }
        var localMirror: String { self.directory.path("local/p.git") }
        var base: String { "http://127.0.0.1:\(self.port)" }

        init(delay: Int = 0, retry: String = "1 s", extra: String = "") throws {
            self.layout = try SiteLayout("serve")
            self.server = try SSHServer()
            self.port = try SSHServer.freePort()
            try self.layout.makeSource(refs: [("refs/heads/main", "one"), ("refs/tags/v1", "tag")])
            try self.layout.makeMirror("ssh/p.git", refs: [("refs/pull/1/head", "pr")])
            try self.layout.writeConfig(
                """
                [gerrit]
                  basePath = ../git
                [remote "ssh"]
                  \(self.layout.sshRemote(self.server, mirrorsIn: "ssh"))
                  push = +refs/heads/*:refs/heads/*
                  push = +refs/tags/*:refs/tags/*
                  push = +refs/changes/*:refs/changes/*
                  mirror = true
                  replicationDelay = \(delay)
                  replicationRetry = \(retry)
                  replicateProjectDeletions = true
                  reconcileInterval = 0
                [remote "local"]
                  url = ../local/${name}.git
                  push = +refs/heads/*:refs/heads/*
                  push = +refs/tags/*:refs/tags/*
                  replicateDeletions = true
                  replicationDelay = 0
                  replicationRetry = \(retry)
                  reconcileInterval = 0
                \(extra)
                """
            )
        }

        func serve(_ extraArguments: [String] = []) throws {
            let daemon = try self.layout.serve(port: self.port, arguments: extraArguments)
            self.daemon = daemon
            #expect(daemon.isHealthy(), "the daemon did not come up: \(daemon.log)")
        }

        func post(_ body: String) throws -> HTTPClient.Response {
            try HTTPClient.post("\(self.base)/events", body)
        }

        func refUpdated(_ ref: String, project: String = "p") -> String {
            GerritEvent.refUpdated(ref, project: project)
        }

        func git(_ arguments: [String]) throws {
            _ = try Command.git(["--git-dir", self.source] + arguments)
        }

        func commit(_ ref: String, _ message: String) throws {
            try GitFixtures.commit(ref, message, in: self.source)
        }

        func status() throws -> [String: Any] {
            let response = try HTTPClient.get("\(self.base)/status")
            return try #require(try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any])
        }

        var log: String { self.daemon?.log ?? "" }
    }

    @Test func mirrorsConvergeOnGerritEvents() throws {
        let site = try Site()
        try site.serve()

        try site.commit("refs/heads/feature", "feature")
        #expect(try site.post(site.refUpdated("feature")).status == 202)
        #expect(eventually { (try? GitFixtures.refs(of: site.sshMirror))?["refs/heads/feature"] != nil }, "\(site.log)")
        #expect(eventually { (try? GitFixtures.refs(of: site.localMirror))?["refs/heads/feature"] != nil })

        try site.commit("refs/changes/01/1/1", "patch set")
        try site.commit("refs/changes/01/1/meta", "meta")
        let lines = site.refUpdated("refs/changes/01/1/1") + "\n" + site.refUpdated("refs/changes/01/1/meta") + "\n"
        let accepted = try site.post(lines)
        #expect(accepted.status == 202 && accepted.body.contains(#""accepted":2"#), "\(accepted.body)")
        #expect(
            eventually {
                let refs = (try? GitFixtures.refs(of: site.sshMirror)) ?? [:]
                return refs["refs/changes/01/1/1"] != nil && refs["refs/changes/01/1/meta"] != nil
            }
        )
        // The refs land before the daemon counts the push: wait for the count, let it settle, check it.
        let okPushes = {
            (try? HTTPClient.get("\(site.base)/metrics"))?.body.split(separator: "\n")
                .first { $0.hasPrefix(#"replication_pushes_total{remote="ssh",result="ok"}"#) }
                .flatMap { $0.split(separator: " ").last.flatMap { Int($0) } } ?? 0
        }
        _ = eventually(timeout: .seconds(10)) { okPushes() >= 2 }
        usleep(500_000)
        #expect(okPushes() == 2, "the change's two refs went in one push, after the feature's")

        let tag = try Command.git(["--git-dir", site.source, "rev-parse", "refs/tags/v1"])
        try site.git(["update-ref", "-d", "refs/tags/v1"])
        let zero = String(repeating: "0", count: 40)
        #expect(try site.post(GerritEvent.refUpdated("refs/tags/v1", old: tag, new: zero)).status == 202)
        #expect(eventually { (try? GitFixtures.refs(of: site.sshMirror))?["refs/tags/v1"] == nil }, "mirror = true")
        #expect(
            eventually { (try? GitFixtures.refs(of: site.localMirror))?["refs/tags/v1"] == nil },
            "replicateDeletions = true, mirror = false"
        )
        #expect(
            try GitFixtures.refs(of: site.sshMirror)["refs/pull/1/head"] != nil,
            "refs/pull/* is outside the refspecs"
        )
        #expect(site.server.loginCount == 1, "three pushes over one pooled ssh session")

        try site.git(["symbolic-ref", "HEAD", "refs/heads/feature"])
        let head =
            #"{"type":"project-head-updated","projectName":"p","oldHead":"refs/heads/main","newHead":"refs/heads/feature"}"#
        #expect(try site.post(head).status == 202)
        #expect(
            eventually {
                (try? Command.git(["--git-dir", site.sshMirror, "symbolic-ref", "HEAD"])) == "refs/heads/feature"
            }
        )
        #expect(
            eventually {
                (try? Command.git(["--git-dir", site.localMirror, "symbolic-ref", "HEAD"])) == "refs/heads/feature"
            }
        )

        #expect(site.server.loginCount == 1, "moving HEAD reuses the pushes' ssh session")

        let deletion = #"{"type":"project-deleted","projectName":"p"}"#
        #expect(try site.post(deletion).status == 409, "the source still exists")
        #expect(FileManager.default.fileExists(atPath: site.sshMirror))
        try FileManager.default.removeItem(atPath: site.source)
        #expect(try site.post(deletion).status == 202)
        #expect(eventually { !FileManager.default.fileExists(atPath: site.sshMirror) }, "replicateProjectDeletions")
        #expect(FileManager.default.fileExists(atPath: site.localMirror), "the local remote does not delete projects")

        let metrics = try HTTPClient.get("\(site.base)/metrics").body
        #expect(metrics.contains(#"replication_pushes_total{remote="ssh",result="ok"}"#), "\(metrics)")
        #expect(metrics.contains("replication_latency_count"))
        #expect(site.log.contains("Replication finished"))
    }

    @Test func malformedEventsAreRefusedAndNothingElseIsDisturbed() throws {
        let site = try Site()
        try site.serve()
        let refusals: [(String, Int, String)] = [
            ("{not json", 400, "malformed"),
            (site.refUpdated("main", project: "../etc"), 400, "invalid-project"),
            (site.refUpdated("main", project: "/etc"), 400, "invalid-project"),
            (site.refUpdated("main", project: "nosuch"), 404, "unknown-project"),
            (String(repeating: " ", count: 5 << 20), 413, "too-large"),
        ]
        for (body, status, reason) in refusals {
            let response = try site.post(body)
            #expect(response.status == status, "\(body.prefix(60)): \(response.body)")
            #expect(reason.isEmpty || response.body.contains(reason), "\(response.body)")
        }
        try site.commit("refs/heads/after", "after")
        #expect(try site.post(site.refUpdated("after")).status == 202)
        #expect(eventually { (try? GitFixtures.refs(of: site.sshMirror))?["refs/heads/after"] != nil }, "\(site.log)")
        #expect(
            try site.status()["pendingEvents"] as? Int == 0
                || eventually { (try? site.status()["pendingEvents"] as? Int) == 0 }
        )
    }

    /// SIGKILL while events stream in and pushes run: every acknowledged update arrives after a restart,
    /// and so do updates queued with `notify` and the post-receive hook while the daemon was down.
    @Test func nothingAcknowledgedIsLostWhenTheDaemonIsKilled() throws {
        // A one-second replicationDelay keeps work pending when the kill comes.
        let site = try Site(delay: 1)
        try site.serve()
        var acknowledged: [String] = []
        for index in 0..<40 {
            let ref = "refs/heads/b\(index)"
            try site.commit(ref, "b\(index)")
            if try site.post(site.refUpdated(ref)).status == 202 { acknowledged.append(ref) }
            if index == 25 { site.daemon?.signal(SIGKILL) }
            if index >= 25 { break }
        }
        site.daemon?.wait()
        #expect(acknowledged.count == 26)
        let queued = try ReplicatorProcess.run([
            "status", "--json", "--config", site.config, "--listen", "127.0.0.1:\(site.port)",
        ])
        #expect(queued.status == 1 && queued.standardOutput.contains("not running"), "\(queued.standardOutput)")
        #expect(!queued.standardOutput.contains(#""pendingEvents" : 0"#), "work was pending at the kill")
        // The same document shape as when the daemon answers: /status's keys, and what it is.
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(queued.standardOutput.utf8)) as? [String: Any]
        )
        for key in ["schemaVersion", "daemon", "ready", "caughtUp", "pendingEvents", "remotes", "held", "store"] {
            #expect(document[key] != nil, "\(key) missing: \(queued.standardOutput)")
        }
        #expect(document["daemon"] as? String == "not running" && document["ready"] as? Bool == false)
        #expect((document["pendingEvents"] as? Int ?? 0) > 0)
        try site.commit("refs/heads/notified", "n")
        let notify = try ReplicatorProcess.run([
            "notify", "--config", site.config, "--project", "p", "--ref", "notified",
        ])
        #expect(notify.status == 0, "\(notify.standardError)")
        try site.commit("refs/heads/hooked", "h")
        let hook = try Command.run(
            "/bin/sh",
            [
                "-c",
                "printf '%s %s refs/heads/hooked\\n' 0 1 | '\(ReplicatorProcess.executable.path)' hook post-receive --config '\(site.config)' --project p",
            ]
        )
        #expect(hook.status != 0, "lines that are not OLD NEW REF are refused")
        let zero = String(repeating: "0", count: 40)
        let good = try Command.run(
            "/bin/sh",
            [
                "-c",
                "printf '%s %s refs/heads/hooked\\n' \(zero) \(zero) | '\(ReplicatorProcess.executable.path)' hook post-receive --config '\(site.config)' --project p",
            ]
        )
        #expect(good.status == 0, "\(good.standardError)")

        try site.serve()
        let expected = acknowledged + ["refs/heads/notified", "refs/heads/hooked"]
        let arrived = eventually(timeout: .seconds(60)) {
            let refs = (try? GitFixtures.refs(of: site.sshMirror)) ?? [:]
            return expected.allSatisfy { refs[$0] != nil }
        }
        let sshRefs = (try? GitFixtures.refs(of: site.sshMirror)) ?? [:]
        let missing = expected.filter { sshRefs[$0] == nil }
        #expect(arrived, "missing on the mirror: \(missing)\n\(site.log)")
        // The local remote too: its push at the kill may have met the killed instance's receive-pack
        // still holding a ref lock, and then it is retried (after 1 s here, Gerrit's minute by default).
        // A receive-pack that got its death signal while creating a lock leaves it empty for good:
        // a retry removes it once it is 5 s old (StaleRefLocks), and the next one lands.
        let arrivedLocally = eventually(timeout: .seconds(60)) {
            let refs = (try? GitFixtures.refs(of: site.localMirror)) ?? [:]
            return expected.allSatisfy { refs[$0] != nil }
        }
        let localRefs = (try? GitFixtures.refs(of: site.localMirror)) ?? [:]
        let missingLocally = expected.filter { localRefs[$0] == nil }
        let locks = FileManager.default.enumerator(atPath: site.localMirror + "/refs")?.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".lock") }
        #expect(arrivedLocally, "missing on the local mirror: \(missingLocally), locks: \(locks ?? [])\n\(site.log)")
        let drained = eventually { (try? site.status()["pendingEvents"] as? Int) == 0 }
        let status = (try? HTTPClient.get("\(site.base)/status").body) ?? ""
        #expect(drained, "events still pending:\n\(status)\n\(site.log)")
    }

    /// The mirror's sshd goes away: pushes fail and are retried with backoff, status says so, and
    /// the backlog drains once sshd is back.
    @Test func aBacklogDrainsWhenTheMirrorComesBack() throws {
        let site = try Site()
        try site.serve()
        site.server.stop()
        for index in 0..<5 {
            try site.commit("refs/heads/down\(index)", "down")
            #expect(try site.post(site.refUpdated("refs/heads/down\(index)")).status == 202)
        }
        let failing = eventually {
            let remotes = (try? site.status()["remotes"] as? [[String: Any]]) ?? []
            let targets = remotes.first { $0["name"] as? String == "ssh" }?["targets"] as? [[String: Any]] ?? []
            return targets.contains { (($0["consecutiveFailures"] as? Int) ?? 0) >= 2 }
        }
        #expect(failing, "retries show in /status: \(site.log)")
        let status = try site.status()
        #expect((status["pendingEvents"] as? Int ?? 0) > 0)
        try site.server.start()
        let drained = eventually(timeout: .seconds(60)) {
            let refs = (try? GitFixtures.refs(of: site.sshMirror)) ?? [:]
            return (0..<5).allSatisfy { refs["refs/heads/down\($0)"] != nil }
        }
        #expect(drained, "\(site.log)")
        #expect(eventually { (try? site.status()["pendingEvents"] as? Int) == 0 })
        #expect(site.log.contains("will retry"))
    }

    @Test func sigtermDrainsAndExitsCleanly() throws {
        let site = try Site()
        try site.serve()
        site.daemon?.signal(SIGTERM)
        #expect(site.daemon?.wait() == 0, "\(site.log)")
        #expect(site.log.contains("Replication engine stopped"))
    }

    @Test func listeningBeyondLoopbackNeedsABearerToken() throws {
        let site = try Site()
        let refused = try ReplicatorProcess.run(["serve", "--config", site.config, "--listen", "0.0.0.0:\(site.port)"])
        #expect(refused.status == 2)
        #expect(refused.standardError.contains("bearerToken"))
    }

    @Test func startWaitsThroughARunningDaemon() throws {
        let site = try Site()
        try site.serve()
        try site.commit("refs/heads/started", "s")
        let result = try ReplicatorProcess.run([
            "start", "--wait", "--now", "p", "--remote", "ssh", "--json", "--config", site.config,
        ])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardError.contains("daemon runs pushes from this store"))
        #expect(try GitFixtures.refs(of: site.sshMirror)["refs/heads/started"] != nil)
        let list = try ReplicatorProcess.run([
            "list", "--config", site.config, "--listen", "127.0.0.1:\(site.port)", "--detail",
        ])
        #expect(list.standardOutput.contains("Remote: ssh") && list.standardOutput.contains("In Flight: 0"))
        let status = try ReplicatorProcess.run([
            "status", "--config", site.config, "--listen", "127.0.0.1:\(site.port)",
        ])
        #expect(status.status == 0 && status.standardOutput.contains("remote ssh"), "\(status.standardOutput)")
    }

    /// `gerrit.autoReload`: pending work is re-planned under a changed configuration, and a broken
    /// change is refused while the running configuration stays in force.
    @Test func autoReloadReplansPendingWorkAndKeepsTheOldConfigurationOnErrors() throws {
        let site = try Site(delay: 3600, extra: "[gerrit]\n  autoReload = true\n")
        try site.serve()
        try site.commit("refs/heads/waiting", "w")
        #expect(try site.post(site.refUpdated("waiting")).status == 202)
        #expect(eventually { (try? GitFixtures.refs(of: site.localMirror))?["refs/heads/waiting"] != nil })
        usleep(500_000)
        #expect(try GitFixtures.refs(of: site.sshMirror)["refs/heads/waiting"] == nil, "held back by replicationDelay")

        let original = try String(contentsOfFile: site.config, encoding: .utf8)
        try original.replacingOccurrences(of: "replicationDelay = 3600", with: "replicationDelay = 0")
            .write(toFile: site.config, atomically: true, encoding: .utf8)
        #expect(
            eventually { (try? GitFixtures.refs(of: site.sshMirror))?["refs/heads/waiting"] != nil },
            "re-planned under the new delay: \(site.log)"
        )

        try (original + "\n[remote \"broken\"]\n  url = /x/${name}.git\n  push = refs/heads/*:refs/heads/x\n")
            .write(toFile: site.config, atomically: true, encoding: .utf8)
        #expect(
            eventually { (try? site.status()["configurationError"] as? String)?.contains("remote.broken.push") == true }
        )
        try site.commit("refs/heads/after", "a")
        #expect(try site.post(site.refUpdated("after")).status == 202)
        #expect(
            eventually { (try? GitFixtures.refs(of: site.sshMirror))?["refs/heads/after"] != nil },
            "the previous configuration (delay 0) still acts: \(site.log)"
        )

        // A time that used to overflow (and kill the daemon on reload) is rejected like any error.
        try original.replacingOccurrences(
            of: "replicationDelay = 3600",
            with: "replicationDelay = 9223372036854775807 min"
        )
        .write(toFile: site.config, atomically: true, encoding: .utf8)
        #expect(
            eventually { (try? site.status()["configurationError"] as? String)?.contains("replicationDelay") == true },
            "\(site.log)"
        )
        #expect(site.daemon?.hasExited == false)
        #expect(try HTTPClient.get("\(site.base)/healthz").status == 200)
    }

    /// `gerrit.replicateOnStartup` queues a full sync of every project when the daemon starts.
    @Test func replicateOnStartupSyncsEveryProject() throws {
        let site = try Site(extra: "[gerrit]\n  replicateOnStartup = true\n")
        try site.serve()
        #expect(
            eventually { (try? GitFixtures.refs(of: site.sshMirror))?["refs/heads/main"] != nil },
            "\(site.log)"
        )
        #expect(try GitFixtures.refs(of: site.sshMirror)["refs/pull/1/head"] != nil)
    }

    /// Gerrit's stream reports a new patch set and its change's meta ref as two `ref-updated` lines;
    /// with `replicationDelay = 0` they went out as two pushes, the first a patch set without its
    /// meta. Every push that carries the patch set now carries the meta too (the mirror's
    /// pre-receive hook logs each push's refs).
    @Test func aPatchSetNeverReachesAMirrorWithoutItsMeta() throws {
        let site = try Site()
        let patchSet = try GitFixtures.commit("refs/changes/01/1/1", "ps", in: site.source)
        try GitFixtures.commit("refs/changes/01/1/meta", "meta", in: site.source)
        let pushes = site.directory.path("pushes.log")
        try GitFixtures.installHook(
            "#!/bin/sh\nwhile read old new ref; do printf '%s ' \"$ref\"; done >> '\(pushes)'\necho >> '\(pushes)'\n",
            named: "pre-receive",
            in: site.sshMirror
        )
        let lines = [
            GerritEvent.refUpdated("refs/changes/01/1/1", project: "p", new: patchSet),
            GerritEvent.refUpdated("refs/changes/01/1/meta", project: "p"),
        ]
        try site.directory.write(lines.joined(separator: "\n") + "\n", to: "events.jsonl")
        try site.serve(["--events-from", "cat '\(site.directory.path("events.jsonl"))'; exec sleep 600"])
        #expect(
            eventually { (try? GitFixtures.refs(of: site.sshMirror))?["refs/changes/01/1/meta"] != nil },
            "\(site.log)"
        )
        let logged = try String(contentsOfFile: pushes, encoding: .utf8).split(separator: "\n")
        let withPatchSet = logged.filter { $0.contains("refs/changes/01/1/1 ") }
        #expect(!withPatchSet.isEmpty, "\(logged)")
        #expect(withPatchSet.allSatisfy { $0.contains("refs/changes/01/1/meta") }, "\(logged)")
        // A graceful stop ends the event command too (a SIGKILL would leave it behind).
        #expect(site.daemon?.stop() == 0)
    }

    /// `--events-from COMMAND`: Gerrit stream-events lines; unusable lines are logged and skipped.
    @Test func streamEventsFromACommand() throws {
        let site = try Site()
        try site.commit("refs/heads/streamed", "s")
        let lines = [
            #"{"type":"patchset-created","change":{}}"#,
            "not json",
            #"{"type":"ref-updated","refUpdate":{"project":"p","refName":"refs/heads/streamed"}}"#,
        ]
        try site.directory.write(lines.joined(separator: "\n") + "\n", to: "events.jsonl")
        let pidFile = site.directory.path("events.pid")
        try site.serve([
            "--events-from",
            "echo $$ > '\(pidFile)'; cat '\(site.directory.path("events.jsonl"))'; exec sleep 600",
        ])
        #expect(
            eventually { (try? GitFixtures.refs(of: site.sshMirror))?["refs/heads/streamed"] != nil },
            "\(site.log)"
        )
        #expect(site.log.contains("Stream event refused"))
        // The command runs in its own process group with SIGTERM unblocked, and stops with the daemon.
        let pid = try #require(
            Int32(try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .newlines))
        )
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let blocked = status.split(separator: "\n").first { $0.hasPrefix("SigBlk:") }
        #expect(blocked?.hasSuffix("0000000000000000") == true, "\(blocked ?? "")")
        #expect(getpgid(pid) == pid, "a process group of its own")
        let descriptors = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").sorted()
        #expect(descriptors == ["0", "1", "2"], "children inherit no descriptor of the daemon's")
        let daemon = try #require(site.daemon)
        daemon.signal(SIGTERM)
        #expect(daemon.wait() == 0)
        #expect(eventually(timeout: .seconds(10)) { kill(pid, 0) != 0 }, "the event command is stopped")
        #expect(!site.log.contains("restarting it"), "no false restart at shutdown")
    }
}
