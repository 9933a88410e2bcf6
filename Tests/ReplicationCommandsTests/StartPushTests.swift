import Foundation
import ReplicationTestSupport
import Testing

/// `replicator start --all --wait`, pushing for real over a real sshd on 127.0.0.1 and to local paths.
@Suite(.offThePool)
struct StartPushTests {
    /// Two projects; the local mirror of `alpha` exists with a stale tag and a pull ref, the rest of
    /// the mirrors do not exist yet.
    private struct Site {
        let directory: TemporaryDirectory
        let server: SSHServer
        let config: String

        func mirror(_ kind: String, _ project: String) -> String { self.directory.path("\(kind)/\(project).git") }
    }

    private static func makeSite(sshExtra: String = "") throws -> Site {
        let layout = try SiteLayout("start")
        let server = try SSHServer()
        for project in ["alpha", "team/beta"] {
            try layout.makeSource(
                project,
                refs: [
                    ("refs/heads/main", "one \(project)"), ("refs/tags/v1", "two"), ("refs/changes/01/1/1", "three"),
                ]
            )
            try layout.makeMirror("ssh/\(project).git")
        }
        try layout.makeMirror("local/alpha.git", refs: [("refs/tags/stale", "old"), ("refs/pull/1/head", "pr")])
        try layout.writeConfig(
            """
            [gerrit]
              basePath = ../git
            [remote "local"]
              url = ../local/${name}.git
              push = +refs/heads/*:refs/heads/*
              push = +refs/tags/*:refs/tags/*
              mirror = true
            [remote "ssh"]
              \(layout.sshRemote(server, mirrorsIn: "ssh"))
              push = +refs/*:refs/*
              threads = 2
            \(sshExtra)
            """
        )
        return Site(directory: layout.directory, server: server, config: layout.config)
    }

    /// The source's refs that `push` lines cover: heads and tags for local, everything for ssh.
    private static func expected(_ site: Site, _ project: String, everything: Bool) throws -> [String: String] {
        try GitFixtures.refs(of: site.directory.path("git/\(project).git"))
            .filter { everything || $0.key.hasPrefix("refs/heads/") || $0.key.hasPrefix("refs/tags/") }
    }

    /// Without a git binary (`replicator.gitPath` names none) pushes go through libgit2 in worker
    /// processes, with the same mirrors and the same report.
    @Test func theLibgit2FallbackLeavesTheSameMirrors() throws {
        let site = try Self.makeSite(sshExtra: "[replicator]\n  gitPath = /nonexistent/git\n")
        let first = try ReplicatorProcess.run(["start", "--wait", "--now", "--all", "--json", "--config", site.config])
        #expect(first.status == 0, "\(first.standardOutput)\(first.standardError)")
        for project in ["alpha", "team/beta"] {
            #expect(
                try GitFixtures.refs(of: site.mirror("ssh", project))
                    == (try Self.expected(site, project, everything: true))
            )
        }
        #expect(first.standardOutput.contains(#""status":"ok""#) || first.standardOutput.contains(#""status" : "ok""#))
    }

    @Test func leavesEveryMirrorEqualToItsSourceAndThenPushesNothing() throws {
        let site = try Self.makeSite()
        let first = try ReplicatorProcess.run(["start", "--wait", "--now", "--all", "--config", site.config])
        #expect(first.status == 0, "\(first.standardOutput)\(first.standardError)")
        for project in ["alpha", "team/beta"] {
            var local = try GitFixtures.refs(of: site.mirror("local", project))
            #expect(
                local.removeValue(forKey: "refs/pull/1/head") != nil || project != "alpha",
                "refs/pull/* survives mirroring"
            )
            #expect(local == (try Self.expected(site, project, everything: false)))
            #expect(
                try GitFixtures.refs(of: site.mirror("ssh", project))
                    == (try Self.expected(site, project, everything: true))
            )
        }
        #expect(try Command.git(["symbolic-ref", "HEAD"], in: site.mirror("local", "team/beta")) == "refs/heads/main")
        let logLines = first.standardError.split(separator: "\n").filter { $0.contains("Replication finished") }
        #expect(logLines.count == 4, "one replication-log line per push: \(first.standardError)")
        #expect(
            logLines.contains {
                $0.contains("replication.project=team/beta") && $0.contains("replication.repository.created=true")
            }
        )

        let second = try ReplicatorProcess.run(["start", "--wait", "--now", "--all", "--json", "--config", site.config])
        #expect(second.status == 0)
        let plans =
            try #require(try JSONSerialization.jsonObject(with: Data(second.standardOutput.utf8)) as? [String: Any])[
                "plans"
            ]
            as? [[String: Any]]
        #expect(plans?.count == 4)
        #expect(
            plans?.allSatisfy { ($0["updates"] as? [Any])?.isEmpty == true } == true,
            "the second run pushes nothing"
        )
    }

    @Test func reportsEveryRefWithItsStatusInJSON() throws {
        let site = try Self.makeSite(sshExtra: "  mirror = true\n")
        let mirror = site.mirror("ssh", "alpha")
        try Command.git(
            ["push", "-q", mirror, "refs/heads/main:refs/heads/stale"],
            in: site.directory.path("git/alpha.git")
        )
        try Command.git(["config", "receive.denyDeletes", "true"], in: mirror)
        let result = try ReplicatorProcess.run([
            "start", "--wait", "--now", "alpha", "--remote", "ssh", "--json", "--config", site.config,
        ])
        #expect(result.status == 1, "a rejected ref fails the run")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        let plan = try #require((json["plans"] as? [[String: Any]])?.first)
        let statuses = (plan["updates"] as? [[String: Any]] ?? []).map {
            "\($0["destination"] as? String ?? "") \($0["status"] as? String ?? "") \($0["message"] as? String ?? "")"
        }
        #expect(
            statuses == [
                "refs/changes/01/1/1 ok ", "refs/heads/main ok ", "refs/tags/v1 ok ",
                "refs/heads/stale rejected deletion prohibited",
            ]
        )
        #expect(try GitFixtures.refs(of: mirror)["refs/heads/stale"] != nil)
        let refused = try #require(
            result.standardError.split(separator: "\n").first { $0.contains("Ref not replicated") }
        )
        #expect(
            refused.contains("replication.ref=refs/heads/stale")
                && refused.contains(#"replication.ref.reason="deletion prohibited""#)
        )
    }

    @Test func reportsEveryRefAndTheirCountsInText() throws {
        let site = try Self.makeSite(sshExtra: "  mirror = true\n")
        let mirror = site.mirror("ssh", "alpha")
        try Command.git(
            ["push", "-q", mirror, "refs/heads/main:refs/heads/stale", "refs/tags/v1:refs/tags/v1"],
            in: site.directory.path("git/alpha.git")
        )
        try Command.git(["config", "receive.denyDeletes", "true"], in: mirror)
        let result = try ReplicatorProcess.run([
            "start", "--wait", "--now", "alpha", "--remote", "ssh", "--config", site.config,
        ])
        #expect(result.status == 1, "a rejected ref fails the run")
        let lines = result.standardOutput.split(separator: "\n", omittingEmptySubsequences: false)
        let refs = lines.filter { $0.hasPrefix("  ok ") || $0.hasPrefix("  rejected ") }
        #expect(refs.count == 3 && refs.last?.contains("refs/heads/stale") == true, "\(result.standardOutput)")
        #expect(lines.contains("  2 to create, 0 to update, 1 to delete, 1 up to date, 0 skipped"))
        #expect(lines.suffix(2) == ["Pushed: 1 plan, 2 refs ok, 1 rejected, 0 failed, 1 up to date, 0 errors.", ""])
    }

    /// A configuration whose only remote is `silent`: it accepts connections and never speaks.
    private static func writeStuckConfig(_ site: Site, silent: SilentServer) throws -> String {
        try site.directory.write(
            """
            [gerrit]
              basePath = ../git
              sshConnectionTimeout = 2 s
            [remote "stuck"]
              url = ssh://git@127.0.0.1:\(silent.port)/srv/${name}.git
              identityFile = \(site.server.clientKey)
              knownHostsFile = \(site.server.knownHosts)
            """,
            to: "etc/stuck.config"
        )
        return site.directory.path("etc/stuck.config")
    }

    @Test func stopsAPushToAServerThatNeverAnswers() throws {
        let site = try Self.makeSite()
        let silent = try SilentServer()
        let config = try Self.writeStuckConfig(site, silent: silent)
        let clock = ContinuousClock()
        let started = clock.now
        let result = try ReplicatorProcess.run(["start", "--wait", "--now", "alpha", "--json", "--config", config])
        #expect(clock.now - started < .seconds(15), "bounded by the connect timeout")
        #expect(result.status == 1)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        let error = try #require((json["errors"] as? [[String: Any]])?.first)
        #expect((error["message"] as? String)?.contains("no connection within 2s") == true, "\(error)")
        #expect(error["code"] as? String == "network")
        #expect(error["class"] as? String == "transient")
        #expect(result.standardError.contains("Replication failed"))
        #expect(result.standardError.contains("replication.error.class=transient"))
    }

    /// `start --dry-run` lists over the same bounded sessions: a host that accepts and never
    /// answers is an error for that URL within sshConnectionTimeout, not a hang.
    @Test func aDryRunAgainstAServerThatNeverAnswersFailsInTime() throws {
        let site = try Self.makeSite()
        let silent = try SilentServer()
        let config = try Self.writeStuckConfig(site, silent: silent)
        let clock = ContinuousClock()
        let started = clock.now
        let result = try ReplicatorProcess.run(["start", "--dry-run", "alpha", "--json", "--config", config])
        #expect(clock.now - started < .seconds(15), "bounded by the connect timeout")
        #expect(result.status == 1, "\(result.standardOutput)\(result.standardError)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        let error = try #require((json["errors"] as? [[String: Any]])?.first)
        #expect((error["message"] as? String)?.contains("no connection within 2s") == true, "\(error)")
    }

    @Test func createsAMissingSSHMirrorAndFillsItInOneRun() throws {
        let site = try Self.makeSite()
        let project = "team/with space"
        try GitFixtures.makeRepository(
            at: site.directory.path("git/\(project).git"),
            refs: [("refs/heads/develop", "d")]
        )
        try Command.git(["symbolic-ref", "HEAD", "refs/heads/develop"], in: site.directory.path("git/\(project).git"))
        let result = try ReplicatorProcess.run([
            "start", "--wait", "--now", project, "--remote", "ssh", "--json", "--config", site.config,
        ])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        let plan = try #require((json["plans"] as? [[String: Any]])?.first)
        #expect(plan["remoteMissing"] as? Bool == true)
        let mirror = site.mirror("ssh", project)
        #expect(try GitFixtures.refs(of: mirror) == (try Self.expected(site, project, everything: true)))
        #expect(try Command.git(["symbolic-ref", "HEAD"], in: mirror) == "refs/heads/develop")
        #expect(try Command.git(["config", "core.bare"], in: mirror) == "true")
    }

    /// `storeRefLog` reaches mirrors created over ssh too (Gerrit applies it to local ones only).
    @Test func storeRefLogAppliesToMirrorsCreatedOverSSH() throws {
        let site = try Self.makeSite(sshExtra: "  storeRefLog = true\n")
        let project = "logged"
        try GitFixtures.makeRepository(at: site.directory.path("git/\(project).git"), refs: [("refs/heads/main", "m")])
        let result = try ReplicatorProcess.run([
            "start", "--wait", "--now", project, "--remote", "ssh", "--config", site.config,
        ])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        let mirror = site.mirror("ssh", project)
        #expect(try Command.git(["config", "core.logAllRefUpdates"], in: mirror) == "true")
        #expect(try GitFixtures.refs(of: mirror)["refs/heads/main"] != nil)
    }

    @Test func failsCleanlyWhenAMirrorIsMissingAndMayNotBeCreated() throws {
        let site = try Self.makeSite(sshExtra: "  createMissingRepositories = false\n")
        try FileManager.default.removeItem(atPath: site.mirror("ssh", "alpha"))
        let result = try ReplicatorProcess.run([
            "start", "--wait", "--now", "alpha", "--remote", "ssh", "--json", "--config", site.config,
        ])
        #expect(result.status == 1)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        let error = try #require((json["errors"] as? [[String: Any]])?.first)
        #expect(error["code"] as? String == "repositoryNotFound", "\(error)")
        #expect(error["class"] as? String == "permanent")
        #expect(!FileManager.default.fileExists(atPath: site.mirror("ssh", "alpha")))
    }

    @Test func movesAnExistingMirrorsHeadToTheSourcesHead() throws {
        let site = try Self.makeSite()
        let source = site.directory.path("git/alpha.git")
        try Command.git(["update-ref", "refs/heads/develop", "refs/heads/main"], in: source)
        try Command.git(["symbolic-ref", "HEAD", "refs/heads/develop"], in: source)
        let first = try ReplicatorProcess.run(["start", "--wait", "--now", "alpha", "--json", "--config", site.config])
        #expect(first.status == 0, "\(first.standardOutput)")
        for kind in ["local", "ssh"] {
            #expect(
                try Command.git(["symbolic-ref", "HEAD"], in: site.mirror(kind, "alpha")) == "refs/heads/develop",
                "\(kind)"
            )
        }
        let plans =
            try #require(try JSONSerialization.jsonObject(with: Data(first.standardOutput.utf8)) as? [String: Any])[
                "plans"
            ]
            as? [[String: Any]]
        #expect(plans?.map { $0["updatedHead"] as? String } == ["refs/heads/develop", "refs/heads/develop"])
        let second = try ReplicatorProcess.run(["start", "--wait", "--now", "alpha", "--json", "--config", site.config])
        let again =
            try #require(try JSONSerialization.jsonObject(with: Data(second.standardOutput.utf8)) as? [String: Any])[
                "plans"
            ]
            as? [[String: Any]]
        #expect(again?.allSatisfy { $0["updatedHead"] is NSNull } == true, "HEAD already in line: nothing to move")
    }

    /// A remote named by a host alias that only `~/.ssh/config` resolves: host, port, user, key and
    /// known_hosts all come from there.
    @Test(arguments: ["yes", "accept-new"])
    func reachesAHostAliasThroughTheSSHClientConfig(strict: String) throws {
        let site = try Self.makeSite()
        let home = try TemporaryDirectory("home")
        let knownHosts = strict == "yes" ? site.server.knownHosts : home.path("empty_known_hosts")
        try home.write("", to: "empty_known_hosts")
        try home.write(
            """
            Host mirror-alias
                HostName 127.0.0.1
                Port \(site.server.port)
                User \(site.server.user)
                IdentityFile \(site.server.clientKey)
                UserKnownHostsFile \(knownHosts)
                StrictHostKeyChecking \(strict)
            """,
            to: ".ssh/config"
        )
        try site.directory.write(
            "[gerrit]\n  basePath = ../git\n[remote \"alias\"]\n  url = mirror-alias:\(site.directory.path("ssh"))/${name}.git\n",
            to: "etc/alias.config"
        )
        let result = try ReplicatorProcess.run(
            ["start", "--wait", "--now", "alpha", "--config", site.directory.path("etc/alias.config")],
            environment: ["HOME": home.path]
        )
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(
            try GitFixtures.refs(of: site.mirror("ssh", "alpha"))
                == (try Self.expected(site, "alpha", everything: true))
        )
        if strict == "accept-new" {
            let recorded = try String(contentsOfFile: knownHosts, encoding: .utf8)
            #expect(recorded.hasPrefix("[127.0.0.1]:\(site.server.port) ssh-ed25519 "), "accept-new records the key")
            let trusted = try String(contentsOfFile: site.server.knownHosts, encoding: .utf8)
            #expect(trusted.contains(recorded.split(separator: " ")[2].trimmingCharacters(in: .newlines)))
        }
    }

    /// known_hosts as OpenSSH reads it: a very long line does not hide the others, `@revoked` refuses.
    @Test func knownHostsLongLinesAndRevokedKeys() throws {
        let site = try Self.makeSite()
        let trusted = try String(contentsOfFile: site.server.knownHosts, encoding: .utf8)
        let junk =
            "# " + String(repeating: "x", count: 6_000) + "\nlong.example.org ssh-ed25519 "
            + String(repeating: "A", count: 5_000) + "\n"
        let run = { (knownHosts: String) throws -> ReplicatorProcess.Result in
            try site.directory.write(knownHosts, to: "etc/known_hosts")
            try site.directory.write(
                """
                [gerrit]
                  basePath = ../git
                [remote "ssh"]
                  url = \(site.server.url(site.directory.path("ssh")))/${name}.git
                  identityFile = \(site.server.clientKey)
                  knownHostsFile = \(site.directory.path("etc/known_hosts"))
                """,
                to: "etc/hosts.config"
            )
            return try ReplicatorProcess.run(
                ["start", "--wait", "--now", "alpha", "--config", site.directory.path("etc/hosts.config")]
            )
        }
        let long = try run(junk + trusted)
        #expect(long.status == 0, "\(long.standardOutput)\(long.standardError)")
        let revoked = try run(trusted + "@revoked " + trusted)
        #expect(revoked.status == 1)
        #expect(revoked.standardOutput.contains("@revoked"), "\(revoked.standardOutput)")
    }

    /// No key file anywhere: the key lives only in a running ssh-agent, used for the push and for
    /// creating the missing mirror over the admin channel.
    @Test func authenticatesThroughSSHAgentWhenNoKeyIsConfigured() throws {
        let site = try Self.makeSite()
        let home = try TemporaryDirectory("agent")
        let socket = home.path("agent.sock")
        let environment = try Daemon.start("/usr/bin/ssh-agent", ["-a", socket], log: home.path("agent.env"))
        let pid = try #require(environment.firstMatch(of: /SSH_AGENT_PID=(\d+)/).flatMap { Int32($0.1) })
        defer { kill(pid, SIGKILL) }  // ssh-agent 9.2 does not act on SIGTERM while idle
        #expect(
            try Command.run("ssh-add", ["-q", site.server.clientKey], environment: ["SSH_AUTH_SOCK": socket]).status
                == 0
        )
        try FileManager.default.removeItem(atPath: site.mirror("ssh", "alpha"))
        try site.directory.write(
            """
            [gerrit]
              basePath = ../git
            [remote "agent"]
              url = \(site.server.url(site.directory.path("ssh")))/${name}.git
              knownHostsFile = \(site.server.knownHosts)
            """,
            to: "etc/agent.config"
        )
        let result = try ReplicatorProcess.run(
            ["start", "--wait", "--now", "alpha", "--config", site.directory.path("etc/agent.config")],
            environment: ["HOME": home.path, "SSH_AUTH_SOCK": socket]
        )
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(
            try GitFixtures.refs(of: site.mirror("ssh", "alpha"))
                == (try Self.expected(site, "alpha", everything: true))
        )
    }

    /// On a terminal `start` redraws one progress line; through a pipe it prints none.
    @Test func showsProgressOnATerminalOnly() throws {
        let site = try Self.makeSite()
        let command = [
            ReplicatorProcess.executable.path, "start", "--wait", "--now", "--all", "--log-level", "error", "--config",
            site.config,
        ]
        let terminal = try Command.run(
            "script",
            ["-qefc", command.map(ShellWords.quote).joined(separator: " "), "/dev/null"]
        )
        #expect(terminal.status == 0, "\(terminal.standardOutput)")
        #expect(terminal.standardOutput.contains("pushes 4/4, 11 refs pushed"), "\(terminal.standardOutput)")
        let piped = try ReplicatorProcess.run([
            "start", "--wait", "--now", "--all", "--log-level", "error", "--config", site.config,
        ])
        #expect(!piped.standardError.contains("pushes "), "no progress line when standard error is not a terminal")
    }
}

extension StartPushTests {
    /// `--format gerrit`: the replication plugin's `start --wait` lines, for scripts written
    /// against them; a refused ref makes its URL FAILED with JGit's status, and the summary says so.
    @Test func printsThePluginsLinesForScriptsWrittenAgainstIt() throws {
        let site = try Self.makeSite()
        let arguments = ["start", "--wait", "--now", "--all", "--format", "gerrit", "--config", site.config]
        let first = try ReplicatorProcess.run(arguments)
        #expect(first.status == 0, "\(first.standardOutput)\(first.standardError)")
        let lines = first.standardOutput.split(separator: "\n").map(String.init)
        let node = "127.0.0.1:\(site.server.port)"
        #expect(lines.contains("Replicate alpha refs ..all.. to \(node), Succeeded! (OK)"), "\(lines)")
        #expect(
            lines.contains("Replicate team/beta refs ..all.. to \(site.mirror("local", "team/beta")), Succeeded! (OK)")
        )
        #expect(lines.contains("Replication of alpha ref ..all.. completed to 2 nodes,"), "\(lines)")
        #expect(
            lines.suffix(2) == [
                "----------------------------------------------", "Replication completed successfully!",
            ]
        )

        try GitFixtures.installHook("#!/bin/sh\nexit 1\n", named: "pre-receive", in: site.mirror("local", "alpha"))
        _ = try GitFixtures.commit("refs/heads/main", "again", in: site.directory.path("git/alpha.git"))
        let refused = try ReplicatorProcess.run(arguments)
        #expect(refused.status == 1)
        #expect(
            refused.standardOutput.contains(
                "Replicate alpha refs ..all.. to \(site.mirror("local", "alpha")), FAILED! (REJECTED_OTHER_REASON)"
            ),
            "\(refused.standardOutput)"
        )
        #expect(refused.standardOutput.hasSuffix("Replication completed with some errors!\n"))
    }

    /// A first mirror of 20 MB on a terminal: the line counts bytes while the pack goes out (before
    /// the push ends: the mirror's hook holds it for two seconds), log lines are never glued to it,
    /// and `--quiet` shows neither.
    @Test func theProgressLineMovesDuringAPushAndLogsGoAboveIt() async throws {
        // Two pushes of 20 MB with a hook that sleeps: on a thread of its own, off the test pool.
        let (shown, quiet) = try await onOwnThread { () -> (Command.Output, Command.Output) in
            let directory = try TemporaryDirectory("progress")
            try FileManager.default.createDirectory(atPath: directory.path("git"), withIntermediateDirectories: true)
            _ = try GitFixtures.makeHeavyHistory(
                at: directory.path("git/big.git"),
                commits: 40,
                bytesPerCommit: 500_000
            )
            let mirror = directory.path("mirror/big.git")
            try GitFixtures.makeRepository(at: mirror)
            try GitFixtures.installHook("#!/bin/sh\ncat > /dev/null\nsleep 2\n", named: "pre-receive", in: mirror)
            try directory.write(
                "[gerrit]\n  basePath = ../git\n[remote \"m\"]\n  url = ../mirror/${name}.git\n  push = +refs/*:refs/*\n",
                to: "etc/replication.config"
            )
            let config = directory.path("etc/replication.config")
            func onTerminal(_ extra: [String]) throws -> Command.Output {
                let command = [
                    ReplicatorProcess.executable.path, "start", "--wait", "--now", "--all", "--config", config,
                ]
                return try Command.run(
                    "script",
                    ["-qefc", (command + extra).map(ShellWords.quote).joined(separator: " "), "/dev/null"]
                )
            }
            let shown = try onTerminal([])
            try FileManager.default.removeItem(atPath: mirror)
            try GitFixtures.makeRepository(at: mirror)
            return (shown, try onTerminal(["--quiet"]))
        }
        #expect(shown.status == 0 && quiet.status == 0, "\(shown.standardOutput)\(quiet.standardOutput)")
        let output = shown.standardOutput
        #expect(output.contains(/pushes 0\/1, 0 refs pushed, [1-9][0-9.]* MiB/), "bytes while sending: \(output)")
        // What a terminal shows of each line: what follows its last carriage return.
        for line in output.split(separator: "\n") {
            let visible = line.split(separator: "\r", omittingEmptySubsequences: false).last ?? ""
            guard visible.contains("refs pushed") else { continue }
            #expect(
                visible.wholeMatch(of: /(\u{1B}\[K)?pushes \d+\/\d+, \d+ refs pushed, [0-9.]+ [KM]iB/) != nil,
                "a log line glued to the progress line: \(visible.debugDescription)"
            )
        }
        #expect(output.contains("Replication finished"), "the log is on the terminal too: \(output)")
        let silent = quiet.standardOutput
        #expect(!silent.contains("refs pushed") && !silent.contains("Replication finished"), "\(silent)")
        #expect(silent.contains("ok"), "the report still prints: \(silent)")
    }
}

private enum ShellWords {
    static func quote(_ word: String) -> String { "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'" }
}
