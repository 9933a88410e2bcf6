import Foundation
import ReplicationTestSupport
import Testing

/// Which directories under `gerrit.basePath` are projects, as `start --all` finds them: every
/// `NAME.git` with a `HEAD`, nested ones by their path, never below another repository, never
/// through a symbolic link.
@Suite(.offThePool)
struct ProjectListingTests {
    @Test func findsEveryRepositoryAndNothingElse() throws {
        let layout = try SiteLayout("projects")
        for project in ["alpha", "team/app", "team/deep/lib", ".hidden", "name.with.dots"] {
            try layout.makeSource(project, refs: [("refs/heads/main", "one")])
            try layout.makeMirror("mirrors/\(project).git")
        }
        let git = layout.path("git")
        let files = FileManager.default
        // Not projects: no HEAD, a plain file, a bare `.git`, a link, a repository inside a repository.
        try files.createDirectory(atPath: "\(git)/nohead.git/refs", withIntermediateDirectories: true)
        try Data("not a repository".utf8).write(to: URL(fileURLWithPath: "\(git)/file.git"))
        try files.createDirectory(atPath: "\(git)/plain/.git", withIntermediateDirectories: true)
        try Data("ref: refs/heads/main\n".utf8).write(to: URL(fileURLWithPath: "\(git)/plain/.git/HEAD"))
        try files.createSymbolicLink(atPath: "\(git)/linked.git", withDestinationPath: "\(git)/alpha.git")
        try files.createSymbolicLink(atPath: "\(git)/linkdir", withDestinationPath: "\(git)/team")
        try Command.git(["init", "-q", "--bare", "\(git)/alpha.git/inner.git"])
        try layout.writeConfig(
            """
            [gerrit]
              basePath = ../git
            [remote "local"]
              url = ../mirrors/${name}.git
              push = +refs/heads/*:refs/heads/*
            """
        )
        let result = try ReplicatorProcess.run([
            "start", "--dry-run", "--all", "--json", "--config", layout.config,
        ])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
        )
        let plans = try #require(json["plans"] as? [[String: Any]])
        let projects = plans.compactMap { $0["project"] as? String }
        #expect(projects == [".hidden", "alpha", "name.with.dots", "team/app", "team/deep/lib"])
    }
}
