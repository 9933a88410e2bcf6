import Foundation
import ReplicationTestSupport
import Testing

/// Gerrit keys acting as they do in Gerrit, checked with the real binary on local mirrors.
// The limit only catches hangs: it also covers waiting for an off-pool slot (OffThePool).
@Suite(.offThePool)
struct GerritKeysTests {
    /// docs/gerrit-behaviour.md, C23: with `replicatePermissions = false`, All-Projects (HEAD is
    /// refs/meta/config) gets no mirror at all, in a push and in a dry-run; other projects replicate.
    @Test func aPermissionsOnlyProjectIsNotReplicatedWithoutReplicatePermissions() throws {
        let site = try LocalSite(
            projects: ["p", "All-Projects"],
            remote: "push = +refs/*:refs/*\n  replicatePermissions = false\n  replicationDelay = 0"
        )
        let allProjects = site.source("All-Projects")
        try GitFixtures.commit("refs/meta/config", "permissions", in: allProjects)
        try Command.git(["--git-dir", allProjects, "symbolic-ref", "HEAD", "refs/meta/config"])

        let preview = try site.replicator(["start", "--all", "--dry-run", "--json"])
        #expect(preview.status == 0, "\(preview.standardError)")
        #expect(preview.standardOutput.contains("a permissions-only project (HEAD is refs/meta/config)"))

        let pushed = try site.replicator(["start", "--all", "--wait", "--now", "--json"])
        #expect(pushed.status == 0, "\(pushed.standardOutput)\(pushed.standardError)")
        #expect(!FileManager.default.fileExists(atPath: site.mirror("All-Projects")), "no mirror is created")
        #expect(try GitFixtures.refs(of: site.mirror("p"))["refs/heads/main"] != nil, "other projects replicate")
        #expect(pushed.standardOutput.contains("replicatePermissions = false"))
    }

    /// Two mirrors, each with its adminUrl: both are created (before, only the first adminUrl was
    /// ever used, so the second mirror never appeared and its pushes retried forever).
    @Test func everyAdminURLServesTheMirrorsItAdministers() throws {
        let site = try LocalSite(
            remote: """
                url = ../second/${name}.git
                  adminUrl = ../mirror/${name}.git
                  adminUrl = ../second/${name}.git
                  push = +refs/heads/*:refs/heads/*
                """
        )
        let result = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        for mirror in [site.mirror("p"), site.directory.path("second/p.git")] {
            #expect(try GitFixtures.refs(of: mirror)["refs/heads/main"] != nil, "\(mirror)")
        }
    }

    /// Gerrit 3.11's `urlDistributionStrategy = roundRobin` (replicas sharing one backend): the full
    /// syncs of 10 projects go 5 to each of the 2 URLs, each project to one of them only, and
    /// `config check` shows the strategy.
    @Test func roundRobinSpreadsPushesOverTheURLs() throws {
        let projects = (0..<10).map { "p\($0)" }
        let site = try LocalSite(
            projects: projects,
            remote: """
                url = ../second/${name}.git
                  urlDistributionStrategy = roundRobin
                  push = +refs/heads/*:refs/heads/*
                """
        )
        let result = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        let first = projects.filter { FileManager.default.fileExists(atPath: site.mirror($0)) }
        let second = projects.filter { FileManager.default.fileExists(atPath: site.directory.path("second/\($0).git")) }
        #expect(first.count == 5 && second.count == 5, "first \(first), second \(second)")
        #expect(Set(first).isDisjoint(with: second))
        for project in first {
            #expect(try GitFixtures.refs(of: site.mirror(project))["refs/heads/main"] != nil, "\(project)")
        }
        let check = try site.replicator(["config", "check"])
        #expect(check.standardOutput.contains("urlDistributionStrategy"), "\(check.standardOutput)")
        #expect(check.standardOutput.contains("roundRobin"))
    }

    /// A `gerrit+ssh://` adminUrl (a Gerrit replica): a missing mirror is created with Gerrit's
    /// `create-project` and filled in the same run; `config check` accepts the URL.
    @Test func aGerritReplicaCreatesMissingProjectsThroughItsSSHCommands() throws {
        let replica = try FakeGerritReplica()
        let site = try TemporaryDirectory("gerrit-site")
        try GitFixtures.makeRepository(at: site.path("git/team/app.git"), refs: [("refs/heads/main", "m")])
        try site.write(
            """
            [gerrit]
              basePath = ../git
            [remote "replica"]
              url = \(replica.server.url(replica.git))/${name}.git
              adminUrl = \(replica.adminURL)
              push = +refs/heads/*:refs/heads/*
              identityFile = \(replica.server.clientKey)
              knownHostsFile = \(replica.server.knownHosts)
            """,
            to: "etc/replication.config"
        )
        let config = site.path("etc/replication.config")
        let check = try ReplicatorProcess.run(["config", "check", "--config", config])
        #expect(check.status == 0, "\(check.standardOutput)\(check.standardError)")
        let result = try ReplicatorProcess.run(["start", "--all", "--wait", "--now", "--config", config])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(replica.calls == ["create-project|--branch|refs/heads/main|team/app|"])
        #expect(try GitFixtures.refs(of: "\(replica.git)/team/app.git")["refs/heads/main"] != nil)
    }
}
