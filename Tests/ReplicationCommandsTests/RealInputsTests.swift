import Foundation
import ReplicationTestSupport
import Testing

/// Inputs no one on the project wrote (`Tests/Corpus`, copied from the shared real-world corpus with
/// each file's source) and the faults they uncovered.
@Suite(.offThePool)
struct RealInputsTests {
    static let corpus = ReplicatorProcess.packageRoot.appendingPathComponent("Tests/Corpus").path

    static func corpusFiles(_ folder: String, suffixes: [String]) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "\(Self.corpus)/\(folder)")) ?? []
        return names.filter { name in suffixes.contains { name.hasSuffix($0) } }.sorted()
    }

    static let configs =
        Self.corpusFiles("configs", suffixes: [".config"]).filter { !$0.hasSuffix(".secure.config") }
        + ["plugin-doc-fanout"]

    /// A Gerrit site runs with each of these files: `config check` reports no error for any.
    @Test(arguments: Self.configs)
    func everyRealConfigurationPassesConfigCheck(name: String) throws {
        #expect(Self.configs.count >= 20, "the corpus is there")
        let directory = try TemporaryDirectory("corpus-config")
        let source = "\(Self.corpus)/configs/\(name)"
        let site = directory.path("etc")
        if name.hasSuffix(".config") {
            try FileManager.default.createDirectory(atPath: site, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: source, toPath: site + "/replication.config")
            let secure = source.replacingOccurrences(of: ".config", with: ".secure.config")
            if FileManager.default.fileExists(atPath: secure) {
                try FileManager.default.copyItem(atPath: secure, toPath: site + "/secure.config")
            }
        } else {
            try FileManager.default.copyItem(atPath: source, toPath: site)
        }
        let result = try ReplicatorProcess.run(["config", "check", "--config", site + "/replication.config"])
        #expect(result.status == 0, "\(name):\n\(result.standardOutput)\(result.standardError)")
        #expect(!result.standardOutput.contains(": error: "), "\(result.standardOutput)")
    }

    static let eventBodies = Self.corpusFiles("events", suffixes: [".json", ".jsonl"])

    /// What a body should come to: the projects it names, how many replication events it holds
    /// (ref-updated, project-created, project-head-updated, one per project of a batch), read here
    /// independently of the daemon's decoder.
    static func expectations(of body: String, name: String) throws -> (projects: Set<String>, events: Int) {
        let objects: [[String: Any]]
        if name.hasSuffix(".jsonl") {
            objects = try body.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
                .map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        } else {
            objects = [try #require(try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])]
        }
        var projects: Set<String> = []
        var events = 0
        for object in objects {
            switch object["type"] as? String {
            case "ref-updated":
                if let project = (object["refUpdate"] as? [String: Any])?["project"] as? String {
                    projects.insert(project)
                }
                events += 1
            case "batch-ref-updated":
                let names = ((object["refUpdates"] as? [[String: Any]]) ?? []).compactMap { $0["project"] as? String }
                projects.formUnion(names)
                events += Set(names).count
            case "project-created", "project-head-updated":
                if let project = object["projectName"] as? String { projects.insert(project) }
                events += 1
            default: continue
            }
        }
        return (projects, events)
    }

    /// Every real event body is accepted by a running daemon, its unknown and irrelevant types
    /// counted as ignored and every replication event in it queued; the one body that names no
    /// project (a unit-test artefact of Gerrit's) is refused with 400 and its reason.
    @Test func everyRealEventBodyIsAcceptedAndQueued() throws {
        #expect(Self.eventBodies.count >= 30, "the corpus is there")
        var bodies: [(name: String, text: String, projects: Set<String>, events: Int)] = []
        for name in Self.eventBodies {
            let text = try String(contentsOfFile: "\(Self.corpus)/events/\(name)", encoding: .utf8)
            let (projects, events) = try Self.expectations(of: text, name: name)
            bodies.append((name, text, projects, events))
        }
        let projects = bodies.reduce(into: Set<String>()) { $0.formUnion($1.projects) }.sorted()
        let site = try LocalSite(
            projects: projects,
            remote: "push = +refs/heads/*:refs/heads/*\n  replicationDelay = 3600"
        )
        try site.serve()
        for body in bodies {
            let response = try site.post(body.text)
            if body.name == "gerrit-eventjsontest-ref-updated.json" {
                #expect(response.status == 400, "\(body.name): \(response.body)")
                #expect(response.body.contains("refUpdate.project"), "\(response.body)")
                continue
            }
            #expect(response.status == 202, "\(body.name): \(response.body)")
            let answer = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
            #expect(answer?["accepted"] as? Int == body.events, "\(body.name): \(response.body)")
        }
    }
}

/// Projects whose names map to one URL, and names that map outside the mirrors' directory.
@Suite(.offThePool)
struct MirrorTargetSafetyTests {
    /// `remoteNameStyle = dash` maps `infra/tools` and `infra-tools` to one mirror: `config check`
    /// names both, and nothing is pushed there (two projects would prune each other's branches).
    @Test func projectsSharingAURLAreAConfigurationErrorAndGetNoPush() throws {
        let site = try LocalSite(
            projects: ["infra/tools", "infra-tools", "other"],
            remote:
                "push = +refs/heads/*:refs/heads/*\n  mirror = true\n  remoteNameStyle = dash\n  replicationDelay = 0"
        )
        let check = try site.replicator(["config", "check"])
        #expect(check.status == 1, "\(check.standardOutput)")
        #expect(check.standardOutput.contains("'infra-tools', 'infra/tools'"), "\(check.standardOutput)")
        let start = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(start.status != 0)
        #expect(start.standardOutput.contains("map to the same URL"), "\(start.standardOutput)\(start.standardError)")
        #expect(!FileManager.default.fileExists(atPath: site.mirror("infra-tools")), "nothing created or pushed")
        #expect(try GitFixtures.refs(of: site.mirror("other"))["refs/heads/main"] != nil, "the others are pushed")
    }

    /// Deleting a gone project `infra/tools` must not delete the live `infra-tools`'s mirror, which
    /// is the same repository under `remoteNameStyle = dash`.
    @Test func aProjectDeletionNeverRemovesAMirrorALiveProjectMapsTo() throws {
        let site = try LocalSite(
            projects: ["infra-tools"],
            remote: """
                push = +refs/heads/*:refs/heads/*
                  remoteNameStyle = dash
                  replicateProjectDeletions = true
                  replicationDelay = 0
                """
        )
        #expect(try site.replicator(["start", "--all", "--wait", "--now"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: site.mirror("infra-tools")))
        try site.serve()
        #expect(try site.post(GerritEvent.projectDeleted("infra/tools")).status == 202)
        #expect(
            eventually { site.daemon?.log.contains("map to the same URL") == true },
            "\(site.daemon?.log ?? "")"
        )
        #expect(FileManager.default.fileExists(atPath: site.mirror("infra-tools")), "the live project's mirror stays")
        #expect(try GitFixtures.refs(of: site.mirror("infra-tools"))["refs/heads/main"] != nil)
    }

    /// `basenameOnly` took `team/...x` to `..` (the mirrors' parent) and `team/.y` to the mirrors'
    /// directory itself: neither is created nor written; a sane name beside them is.
    @Test func basenameOnlyNamesNeverLeaveTheMirrorsDirectory() throws {
        let site = try LocalSite(
            projects: ["team/...x", "team/.y", "team/app"],
            remote: "push = +refs/heads/*:refs/heads/*\n  remoteNameStyle = basenameOnly\n  replicationDelay = 0",
            url: "../mirror/${name}"
        )
        let start = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(start.status != 0)
        #expect(start.standardOutput.contains("unsafe path"), "\(start.standardOutput)\(start.standardError)")
        let mirrors = try FileManager.default.contentsOfDirectory(atPath: site.directory.path("mirror"))
        #expect(mirrors == ["app"], "only the sane name: \(mirrors)")
        #expect(!FileManager.default.fileExists(atPath: site.directory.path("mirror/HEAD")), "not the base itself")
        #expect(!FileManager.default.fileExists(atPath: site.directory.path("HEAD")), "not its parent")
    }
}

/// Signals and outputs as an operator meets them.
@Suite(.offThePool)
struct OperatorFacingTests {
    /// SIGHUP used to end the daemon (exit 129, no drain); it reloads the configuration, as
    /// `systemctl reload` (the unit's ExecReload) expects, with `autoReload` off.
    @Test func sighupReloadsTheConfiguration() throws {
        let site = try LocalSite()
        try site.serve()
        let daemon = try #require(site.daemon)
        try site.writeConfig(
            """
            [gerrit]
              basePath = ../git
            [remote "mirror"]
              url = ../mirror/${name}.git
              push = +refs/heads/*:refs/heads/*
              replicationDelay = 0
              reconcileInterval = 0
            [remote "second"]
              url = ../second/${name}.git
              push = +refs/heads/*:refs/heads/*
              replicationDelay = 0
              reconcileInterval = 0
            """
        )
        daemon.process.signal(SIGHUP)
        #expect(eventually { daemon.log.contains("Configuration reloaded") }, "\(daemon.log)")
        #expect(!daemon.process.hasExited, "SIGHUP does not end the daemon")
        #expect(try site.post(GerritEvent.refUpdated("refs/heads/main")).status == 202)
        #expect(
            eventually { (try? GitFixtures.refs(of: site.directory.path("second/p.git")))?["refs/heads/main"] != nil },
            "the reloaded remote is pushed: \(daemon.log)"
        )
        daemon.process.signal(SIGTERM)
        #expect(daemon.process.wait() == 0)
    }

    /// SIGTERM ends an open `GET /events/stream` at once: the daemon drains and exits within a
    /// second or two, and the client sees its stream end.
    @Test func sigtermEndsAnOpenEventStreamAtOnce() throws {
        let site = try LocalSite()
        try site.serve()
        let daemon = try #require(site.daemon)
        let subscriber = try StreamSubscriber(
            "\(site.base)/events/stream",
            output: site.directory.path("stream.out")
        )
        #expect(try site.post(GerritEvent.refUpdated("refs/heads/main")).status == 202)
        #expect(eventually { !subscriber.lines.isEmpty }, "the stream is open and delivering")
        let signalled = ContinuousClock.now
        daemon.process.signal(SIGTERM)
        #expect(daemon.process.wait() == 0)
        #expect(signalled.duration(to: .now) < .seconds(2), "no reread interval to wait out")
        #expect(eventually(timeout: .seconds(5)) { subscriber.hasExited }, "the client's stream ended")
    }

    /// Every command's `--help` (found from the root's, nested ones included) works and says nothing
    /// the commands no longer do (`start --help` claimed a worker process per push).
    @Test func everyCommandsHelpWorksAndTellsTheTruth() throws {
        var pending: [[String]] = [[]]
        var seen: [[String]] = []
        while let path = pending.popLast() {
            let help = try ReplicatorProcess.run(path + ["--help"])
            #expect(help.status == 0, "\(path): \(help.standardError)")
            #expect(help.standardOutput.contains("USAGE:"), "\(path)")
            #expect(!help.standardOutput.contains("worker process"), "\(path): \(help.standardOutput)")
            seen.append(path)
            guard path.count < 2, let section = help.standardOutput.range(of: "SUBCOMMANDS:\n") else { continue }
            // Command lines only: "  name   abstract", a lower-case name (not the "See 'replicator
            // help'" line that follows them).
            for line in help.standardOutput[section.upperBound...].split(separator: "\n") {
                guard line.hasPrefix("  "), !line.hasPrefix("   "), let name = line.split(separator: " ").first,
                    name.allSatisfy({ $0.isLowercase || $0 == "-" }), !seen.contains(path + [String(name)])
                else { continue }
                pending.append(path + [String(name)])
            }
        }
        #expect(seen.contains(["config", "check"]) && seen.contains(["store", "move"]) && seen.count >= 15, "\(seen)")
    }

    /// `list` without a daemon said "Pending: 0" and exit 0 while events waited in the store.
    @Test func listSaysWhatItCannotKnowWhenNoDaemonAnswers() throws {
        let site = try LocalSite()
        #expect(try site.replicator(["notify", "--project", "p", "--ref", "refs/heads/main"]).status == 0)
        let list = try site.replicator(["list", "--listen", "127.0.0.1:\(site.port)"])
        #expect(list.status == 1, "\(list.standardOutput)\(list.standardError)")
        #expect(list.standardOutput.contains("Pending: unknown"), "\(list.standardOutput)")
        #expect(!list.standardOutput.contains("Pending: 0"))
        #expect(list.standardError.contains("the store holds 1 queued event(s)"), "\(list.standardError)")
    }
}

/// `~/.ssh/config` as OpenSSH reads it, `Include`s and all, over the harness's sshd.
@Suite(.offThePool)
struct SSHClientConfigEndToEndTests {
    /// The strict host-key setting sits in an included file: an unknown host key is refused and not
    /// written to known_hosts (it used to be accepted under the `Host *` line after the Include);
    /// a ProxyJump is refused loudly instead of connecting directly.
    @Test func includedSettingsApplyAndProxiesAreRefused() throws {
        let server = try SSHServer()
        let directory = try TemporaryDirectory("ssh-include")
        let home = directory.path("home")
        try FileManager.default.createDirectory(atPath: home + "/.ssh/conf.d", withIntermediateDirectories: true)
        try "Include conf.d/*.conf\nHost *\n  StrictHostKeyChecking accept-new\n".write(
            toFile: home + "/.ssh/config",
            atomically: true,
            encoding: .utf8
        )
        try "Host 127.0.0.1\n  StrictHostKeyChecking yes\n".write(
            toFile: home + "/.ssh/conf.d/strict.conf",
            atomically: true,
            encoding: .utf8
        )
        try "".write(toFile: home + "/.ssh/known_hosts", atomically: true, encoding: .utf8)
        try GitFixtures.makeRepository(at: directory.path("git/p.git"), refs: [("refs/heads/main", "one")])
        try GitFixtures.makeRepository(at: directory.path("mirror/p.git"))
        try directory.write(
            """
            [gerrit]
              basePath = ../git
            [remote "m"]
              url = \(server.url(directory.path("mirror")))/${name}.git
              push = +refs/heads/*:refs/heads/*
              identityFile = \(server.clientKey)
              replicationDelay = 0
            """,
            to: "etc/replication.config"
        )
        let arguments = ["start", "--all", "--wait", "--now", "--config", directory.path("etc/replication.config")]
        let strict = try ReplicatorProcess.run(arguments, environment: ["HOME": home])
        #expect(strict.status != 0)
        #expect(
            strict.standardOutput.contains("is not a known host"),
            "\(strict.standardOutput)\(strict.standardError)"
        )
        #expect(try String(contentsOfFile: home + "/.ssh/known_hosts", encoding: .utf8).isEmpty, "nothing recorded")

        try "Host 127.0.0.1\n  ProxyJump bastion.example.org\n".write(
            toFile: home + "/.ssh/conf.d/strict.conf",
            atomically: true,
            encoding: .utf8
        )
        let proxied = try ReplicatorProcess.run(arguments, environment: ["HOME": home])
        #expect(proxied.status != 0)
        #expect(
            proxied.standardOutput.contains("ProxyJump bastion.example.org"),
            "\(proxied.standardOutput)\(proxied.standardError)"
        )
        #expect(try GitFixtures.refs(of: directory.path("mirror/p.git")).isEmpty)
    }
}
