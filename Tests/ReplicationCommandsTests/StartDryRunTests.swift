import Foundation
import ReplicationTestSupport
import Testing

/// `replicator start --dry-run` run as a user would, against a real sshd on 127.0.0.1 and a local path.
// The limit only catches hangs: it also covers waiting for an off-pool slot (OffThePool).
@Suite(.offThePool)
struct StartDryRunTests {
    private struct Site {
        let directory: TemporaryDirectory
        let server: SSHServer
        let config: String
        let source: [String: String]

        var localMirror: String { self.directory.path("local/alpha.git") }
        var sshMirror: String { self.directory.path("ssh/alpha.git") }
    }

    /// Source `alpha` with main, dev and tag v1; both mirrors have an older main, a stale tag and a
    /// GitHub-style pull ref. The local remote mirrors; the ssh one only replicates deletions.
    private static func makeSite(extra: String = "") throws -> Site {
        let layout = try SiteLayout("dryrun")
        let directory = layout.directory
        let server = try SSHServer()
        let source = try layout.makeSource(
            "alpha",
            refs: [("refs/heads/main", "one"), ("refs/tags/v1", "two"), ("refs/heads/dev", "three")]
        )
        for mirror in ["local/alpha.git", "ssh/alpha.git"] {
            try layout.makeMirror(mirror)
            try Command.git(
                ["push", "-q", directory.path(mirror), "refs/heads/main:refs/heads/main"],
                in: directory.path("git/alpha.git")
            )
            try Command.git(["update-ref", "refs/tags/stale", source["refs/heads/main"]!], in: directory.path(mirror))
            try Command.git(["update-ref", "refs/pull/1/head", source["refs/heads/main"]!], in: directory.path(mirror))
        }
        try Command.git(
            ["update-ref", "refs/heads/main", source["refs/heads/dev"]!],
            in: directory.path("git/alpha.git")
        )
        let config = """
            [gerrit]
              basePath = ../git
            [remote "local"]
              url = ../local/${name}.git
              push = +refs/heads/*:refs/heads/*
              push = +refs/tags/*:refs/tags/*
              mirror = true
            \(extra)
            [remote "ssh"]
              \(layout.sshRemote(server, mirrorsIn: "ssh"))
              push = +refs/heads/*:refs/heads/*
              push = +refs/tags/*:refs/tags/*
              replicateDeletions = true
            """
        try layout.writeConfig(config)
        return Site(
            directory: directory,
            server: server,
            config: directory.path("etc/replication.config"),
            source: source
        )
    }

    private static func json(_ output: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    private static func plan(_ json: [String: Any], remote: String) throws -> [String: Any] {
        let plans = try #require(json["plans"] as? [[String: Any]])
        return try #require(plans.first { $0["remote"] as? String == remote })
    }

    private static func actions(_ plan: [String: Any]) -> [String] {
        (plan["updates"] as? [[String: Any]] ?? []).map {
            "\($0["action"] as? String ?? "") \($0["destination"] as? String ?? "")"
        }
    }

    @Test func plansOverSSHAndALocalPathAndChangesNothing() throws {
        let site = try Self.makeSite()
        let before = try [site.localMirror, site.sshMirror].map(GitFixtures.refs(of:))
        let result = try ReplicatorProcess.run(["start", "--dry-run", "--all", "--json", "--config", site.config])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)\n\(site.server.log)")
        let json = try Self.json(result.standardOutput)
        #expect((json["errors"] as? [Any])?.isEmpty == true)

        let local = try Self.plan(json, remote: "local")
        #expect(local["project"] as? String == "alpha")
        #expect(local["url"] as? String == site.localMirror)
        #expect(local["mode"] as? String == "full")
        #expect(local["blocked"] is NSNull)
        #expect(
            Self.actions(local) == [
                "create refs/heads/dev", "update refs/heads/main", "create refs/tags/v1", "delete refs/tags/stale",
            ]
        )
        let update = try #require((local["updates"] as? [[String: Any]])?.first { $0["action"] as? String == "update" })
        #expect(update["oldId"] as? String == site.source["refs/heads/main"])
        #expect(update["newId"] as? String == site.source["refs/heads/dev"])
        #expect(update["source"] as? String == "refs/heads/main")
        #expect(update["force"] as? Bool == true)
        let delete = try #require((local["updates"] as? [[String: Any]])?.last)
        #expect(delete["source"] is NSNull)
        #expect(delete["newId"] is NSNull)

        let ssh = try Self.plan(json, remote: "ssh")
        #expect(ssh["url"] as? String == site.server.url(site.sshMirror))
        #expect(Self.actions(ssh) == ["create refs/heads/dev", "update refs/heads/main", "create refs/tags/v1"])
        let skipped = try #require(ssh["skipped"] as? [[String: Any]])
        #expect(skipped.map { $0["ref"] as? String } == ["refs/tags/stale"], "mirror = false: reported, not pruned")
        // refs/pull/* lies outside every destination: neither deleted nor even mentioned.
        #expect(!result.standardOutput.contains("refs/pull/"))

        #expect(
            try [site.localMirror, site.sshMirror].map(GitFixtures.refs(of:)) == before,
            "a dry run changes nothing"
        )
    }

    @Test func printsAHumanReadablePlan() throws {
        let site = try Self.makeSite()
        let result = try ReplicatorProcess.run([
            "start", "--dry-run", "alpha", "--remote", "local", "--config", site.config,
        ])
        #expect(result.status == 0)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first == "alpha → local \(site.localMirror) (full sync)")
        #expect(lines.contains { $0.hasPrefix("  update        refs/heads/main  ") && $0.contains("..") })
        #expect(lines.contains { $0.hasPrefix("  delete        refs/tags/stale") })
        #expect(lines.last?.hasPrefix("Dry run: 1 plan, 4 updates (2 create, 1 update, 1 delete)") == true)
    }

    @Test func selectsURLsBySubstring() throws {
        let site = try Self.makeSite()
        let result = try ReplicatorProcess.run([
            "start", "--dry-run", "--all", "--json", "--url", "ssh://", "--config", site.config,
        ])
        let plans = try #require(try Self.json(result.standardOutput)["plans"] as? [[String: Any]])
        #expect(plans.map { $0["remote"] as? String } == ["ssh"])
    }

    @Test func blocksMassDeletionUnlessAllowed() throws {
        let site = try Self.makeSite(extra: "  maxDeletions = 1\n  push = +refs/pull/*:refs/pull/*\n")
        let blocked = try ReplicatorProcess.run([
            "start", "--dry-run", "--all", "--json", "--remote", "local", "--config", site.config,
        ])
        #expect(blocked.status == 0, "a blocked plan is still a plan")
        let plan = try Self.plan(try Self.json(blocked.standardOutput), remote: "local")
        #expect((plan["blocked"] as? String)?.contains("would delete 2 refs") == true)
        let allowed = try ReplicatorProcess.run(
            [
                "start", "--dry-run", "--all", "--json", "--remote", "local", "--allow-mass-deletion", "--config",
                site.config,
            ]
        )
        #expect(try Self.plan(try Self.json(allowed.standardOutput), remote: "local")["blocked"] is NSNull)
    }

    @Test func reportsMissingProjectsAndUnreachableURLsAsErrors() throws {
        let site = try Self.makeSite()
        site.server.stop()
        let result = try ReplicatorProcess.run([
            "start", "--dry-run", "alpha", "nosuch", "--json", "--config", site.config,
        ])
        #expect(result.status == 1)
        let json = try Self.json(result.standardOutput)
        let errors = try #require(json["errors"] as? [[String: Any]])
        #expect(errors.contains { $0["project"] as? String == "nosuch" && $0["remote"] is NSNull })
        #expect(errors.contains { $0["project"] as? String == "alpha" && $0["remote"] as? String == "ssh" })
        #expect(
            (json["plans"] as? [[String: Any]])?.map { $0["remote"] as? String } == ["local"],
            "other URLs are still planned"
        )
    }

    @Test func plansAMissingMirrorAsCreated() throws {
        let site = try Self.makeSite()
        try FileManager.default.removeItem(atPath: site.localMirror)
        let result = try ReplicatorProcess.run([
            "start", "--dry-run", "--all", "--json", "--remote", "local", "--config", site.config,
        ])
        #expect(result.status == 0)
        let plan = try Self.plan(try Self.json(result.standardOutput), remote: "local")
        #expect(plan["remoteMissing"] as? Bool == true)
        #expect(Self.actions(plan) == ["create refs/heads/dev", "create refs/heads/main", "create refs/tags/v1"])
    }

    @Test(arguments: [
        ["start", "--dry-run"], ["start"], ["start", "--dry-run", "--all", "alpha"],
        ["start", "--dry-run", "^bad("],
    ])
    func refusesUsageErrors(arguments: [String]) throws {
        let result = try ReplicatorProcess.run(arguments + ["--config", "/nonexistent"])
        #expect(result.status == 2, "\(result.standardError)")
    }

    @Test func refusesAnUnknownRemote() throws {
        let site = try Self.makeSite()
        let result = try ReplicatorProcess.run([
            "start", "--dry-run", "--all", "--remote", "nope", "--config", site.config,
        ])
        #expect(result.status == 2)
        #expect(result.standardError.contains("unknown remote nope (configured: local, ssh)"))
    }
}
