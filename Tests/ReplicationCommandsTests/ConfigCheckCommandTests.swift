import Foundation
import ReplicationTestSupport
import Testing

@Suite(.offThePool)
struct ConfigCheckCommandTests {
    @Test func acceptsTheSampleConfiguration() throws {
        let sample = ReplicatorProcess.packageRoot.appendingPathComponent("etc/replication.config").path
        let result = try ReplicatorProcess.run(["config", "check", "--config", sample])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardOutput.contains("[remote \"backup\"]"))
        #expect(result.standardOutput.contains("  push = +refs/tags/*:refs/tags/*"))
        #expect(result.standardOutput.contains("0 errors, 0 warnings"))
    }

    @Test func printsDiagnosticsWithFileLineAndKeyAndFails() throws {
        let config = try TemporaryConfig(files: [
            "replication.config": """
            [remote "mirror"]
              url = /srv/mirror/${name}.git
              push = refs/heads/*:refs/heads/x
              rescheduleDelay = 1
            """
        ])
        let file = config.path("replication.config")
        let result = try ReplicatorProcess.run(["config", "check", "--config", file])
        #expect(result.status == 1)
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("\(file):3: error: remote.mirror.push: invalid refspec") })
        #expect(
            lines.contains("\(file):4: warning: remote.mirror.rescheduleDelay: 1 is below the minimum of 3; using 3")
        )
        #expect(lines.contains { $0.hasPrefix("\(file):4: warning: remote.mirror.rescheduleDelay: has no effect") })
        #expect(lines.last == "1 error, 2 warnings")
        // Diagnostics come after the effective configuration.
        let header = try #require(lines.firstIndex(of: "[remote \"mirror\"]  (\(file):1)"))
        let firstDiagnostic = try #require(lines.firstIndex { $0.hasPrefix(file + ":") })
        #expect(header < firstDiagnostic)
    }

    /// `authGroup` names are checked against the site's groups (All-Projects' refs/meta/config:groups,
    /// All-Users' refs/groups/*), as the daemon resolves them.
    @Test func reportsAuthGroupsThatAreNoGroupsOfTheSite() throws {
        let site = try TemporaryDirectory("groups")
        let allProjects = site.path("git/All-Projects.git")
        try GitFixtures.makeRepository(at: allProjects)
        let groups = """
            # UUID                                  \tGroup Name
            #
            global:Anonymous-Users                  \tAnonymous Users
            8a7c4b1e2f3d4c5b6a7980f1e2d3c4b5a6978f0e\tmediawiki-replication
            """
        let blob = try Command.run("git", ["--git-dir", allProjects, "hash-object", "-w", "--stdin"], input: groups)
            .standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let tree = try Command.run("git", ["--git-dir", allProjects, "mktree"], input: "100644 blob \(blob)\tgroups\n")
            .standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let commit = try Command.git(["--git-dir", allProjects, "commit-tree", tree, "-m", "groups"])
        try Command.git(["--git-dir", allProjects, "update-ref", "refs/meta/config", commit])
        let allUsers = site.path("git/All-Users.git")
        try GitFixtures.makeRepository(at: allUsers)
        try GitFixtures.commit(
            files: ["group.config": "[group]\n\tname = release-managers\n"],
            to: "refs/groups/ab/abcdef0123",
            in: allUsers
        )
        try site.write(
            """
            [remote "github"]
              url = /srv/github/${name}.git
              authGroup = mediawiki-replication
              authGroup = mediawiki-replicaton
              authGroup = release-managers
            """,
            to: "etc/replication.config"
        )
        let result = try ReplicatorProcess.run(["config", "check", "--config", site.path("etc/replication.config")])
        #expect(result.status == 0, "warnings only: \(result.standardOutput)")
        let unknown = result.standardOutput.split(separator: "\n").filter { $0.contains("is not a group of this site") }
        #expect(
            unknown.count == 1 && unknown.first?.contains("'mediawiki-replicaton'") == true,
            "\(result.standardOutput)"
        )
    }

    @Test func printsOneJSONDocument() throws {
        let config = try TemporaryConfig(files: [
            "etc/replication.config": "[gerrit]\n  basePath = ../git\n[replication]\n  maxRetries = 4\n",
            "etc/replication/github.config": "[remote]\n  url = git@github.com:org/${name}\n  threads = x\n",
        ])
        let file = config.path("etc/replication.config")
        let result = try ReplicatorProcess.run(["config", "check", "--json", "--config", file])
        #expect(result.status == 1)
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        #expect(json["config"] as? String == file)
        #expect(json["fanOutDirectory"] as? String == config.path("etc/replication"))
        #expect(json["errors"] as? Int == 1)
        let gerrit = try #require((json["gerrit"] as? [String: Any])?["options"] as? [String: Any])
        #expect(gerrit["basePath"] as? String == config.path("git"))
        let remotes = try #require(json["remotes"] as? [[String: Any]])
        #expect(remotes.first?["name"] as? String == "github")
        let options = try #require(remotes.first?["options"] as? [String: Any])
        #expect(options["url"] as? [String] == ["git@github.com:org/${name}"])
        #expect(options["replicationMaxRetries"] as? Int == 4)
        #expect(options["replicationDelay"] as? Double == 15)
        #expect((remotes.first?["extensions"] as? [String])?.contains("maxDeletions") == true)
        let diagnostic = try #require((json["diagnostics"] as? [[String: Any]])?.first)
        #expect(diagnostic["severity"] as? String == "error")
        #expect(diagnostic["file"] as? String == config.path("etc/replication/github.config"))
        #expect(diagnostic["line"] as? Int == 3)
        #expect(diagnostic["key"] as? String == "remote.github.threads")
    }

    /// `config check` says which git the push engine will run, with its version, and falls back
    /// to libgit2 (saying so) when `replicator.gitPath` names no git.
    @Test func reportsTheGitThePushEngineUses() throws {
        let git = try Command.run("sh", ["-c", "command -v git"]).standardOutput
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let version = try Command.git(["version"]).replacingOccurrences(of: "git version ", with: "")
        let config = try TemporaryConfig(files: [
            "found.config": "[replicator]\n  gitPath = \(git)\n",
            "missing.config": "[replicator]\n  gitPath = /nonexistent/git\n",
        ])
        let found = try ReplicatorProcess.run(["config", "check", "--json", "--config", config.path("found.config")])
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(found.standardOutput.utf8)) as? [String: Any]
        )
        let engine = try #require(json["pushEngine"] as? [String: Any])
        #expect(engine["git"] as? String == git)
        #expect(engine["gitVersion"] as? String == version)
        let missing = try ReplicatorProcess.run(["config", "check", "--config", config.path("missing.config")])
        #expect(
            missing.standardOutput.contains("Push engine: libgit2 (no git binary found"),
            "\(missing.standardOutput)"
        )
    }

    @Test func reportsAMissingFileAsAnError() throws {
        let result = try ReplicatorProcess.run(["config", "check", "--config", "/nonexistent/replication.config"])
        #expect(result.status == 1)
        #expect(result.standardOutput.contains("/nonexistent/replication.config: error: no such file"))
    }

    @Test func readsTheConfigPathFromTheEnvironment() throws {
        let config = try TemporaryConfig(files: ["r.config": "[remote \"env\"]\n  url = /m/${name}\n"])
        let result = try ReplicatorProcess.run(
            ["config", "check"],
            environment: ["REPLICATOR_CONFIG": config.path("r.config")]
        )
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("[remote \"env\"]"))
    }

    @Test(arguments: [
        ["config", "check", "--bogus"], ["config", "chek"], ["config", "check", "--config"], ["nosuch"],
    ])
    func exitsWithTwoOnUsageErrors(arguments: [String]) throws {
        let result = try ReplicatorProcess.run(arguments)
        #expect(result.status == 2, "\(result.standardError)")
        #expect(result.standardError.contains("Error:"))
    }

    @Test func printsHelpSuccessfully() throws {
        let result = try ReplicatorProcess.run(["config", "check", "--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("--json"))
    }

    @Test func reportsTheLinkedLibgit2() throws {
        let result = try ReplicatorProcess.run(["version"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("libgit2 1."))
        #expect(result.standardOutput.contains(", ssh)"))
    }
}
