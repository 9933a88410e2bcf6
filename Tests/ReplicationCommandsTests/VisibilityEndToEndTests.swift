import Foundation
import ReplicationTestSupport
import Testing

/// `authGroup` and hidden projects against real repositories whose `refs/meta/config` carry
/// Gerrit-style ACLs (docs/visibility.md): the motivating report's GitHub remote, `mirror = true`,
/// and a backup remote that propagates no deletions.
@Suite(.offThePool)
struct VisibilityEndToEndTests {
    static let groups = """
        # UUID\tGroup Name
        global:Project-Owners\tProject Owners
        uuid-repl\tmediawiki-replication
        uuid-outer\tOuter
        """

    static let allProjects = """
        [access "refs/*"]
          read = group mediawiki-replication
        [access "refs/heads/secret/*"]
          read = block group mediawiki-replication
        [access "refs/meta/config"]
          exclusiveGroupPermissions = read
          read = group Project Owners
        """

    static func remote(_ name: String, mirror: Bool, extra: String = "") -> String {
        """
        [remote "\(name)"]
          url = ../\(name)/${name}.git
          push = +refs/heads/*:refs/heads/*
          push = +refs/tags/*:refs/tags/*
          push = +refs/changes/*:refs/changes/*
          authGroup = mediawiki-replication
          mirror = \(mirror)
          replicationDelay = 0
        \(extra)
        """
    }

    static func makeSite() throws -> LocalSite {
        let site = try LocalSite(projects: ["All-Projects", "All-Users", "public", "private", "hidden", "team"])
        try site.writeConfig(
            "[gerrit]\n  basePath = ../git\n" + Self.remote("github", mirror: true)
                + Self.remote("backup", mirror: false)
                + "[remote \"plain\"]\n  url = ../plain/${name}.git\n  push = +refs/heads/*:refs/heads/*\n"
                + "  replicateHiddenProjects = true\n  replicationDelay = 0\n"
        )
        try Self.meta(Self.allProjects, in: site.source("All-Projects"))
        let source = site.source("public")
        try GitFixtures.commit("refs/heads/secret/plan", "secret", in: source)
        try GitFixtures.commit("refs/heads/feature", "feature", in: source)
        // A child's allow does not lift the parent's block.
        try Self.meta("[access \"refs/heads/secret/*\"]\n  read = group mediawiki-replication\n", in: source)
        try Self.change(1, branch: "refs/heads/main", in: source)
        try Self.change(2, branch: "refs/heads/secret/plan", in: source)
        try Self.change(3, branch: "refs/heads/main", isPrivate: true, in: source)
        try Self.meta("[access \"refs/*\"]\n  read = deny group mediawiki-replication\n", in: site.source("private"))
        try Self.meta("[project]\n  state = hidden\n", in: site.source("hidden"))
        // "team" is readable by Outer only, which includes mediawiki-replication (All-Users).
        try Self.meta(
            "[access \"refs/*\"]\n  read = deny group mediawiki-replication\n  read = group Outer\n",
            in: site.source("team")
        )
        try GitFixtures.commit(
            files: ["group.config": "[group]\n\tname = Outer\n", "subgroups": "uuid-repl\n"],
            to: "refs/groups/uu/uuid-outer",
            in: site.source("All-Users")
        )
        return site
    }

    static func meta(_ projectConfig: String, in repository: String) throws {
        try GitFixtures.commit(
            files: ["project.config": projectConfig, "groups": Self.groups],
            to: "refs/meta/config",
            in: repository
        )
    }

    /// A patch set and a NoteDb meta commit naming the change's branch, as Gerrit writes them.
    static func change(_ number: Int, branch: String, isPrivate: Bool = false, in repository: String) throws {
        let prefix = "refs/changes/0\(number)/\(number)"
        try GitFixtures.commit("\(prefix)/1", "patch set of change \(number)", in: repository)
        let footers = "Patch-set: 1\nBranch: \(branch)\n" + (isPrivate ? "Private: true\n" : "")
        try GitFixtures.commit(files: [:], to: "\(prefix)/meta", message: "Create change\n\n\(footers)", in: repository)
    }

    static func refs(_ path: String) -> [String: String] { (try? GitFixtures.refs(of: path)) ?? [:] }

    @Test func theGroupGetsOnlyWhatItMayRead() throws {
        let site = try Self.makeSite()
        let preview = try site.replicator(["start", "--all", "--dry-run"])
        #expect(preview.status == 0, "\(preview.standardError)")
        #expect(preview.standardOutput.contains("not visible to authGroup: blocked by"), "\(preview.standardOutput)")
        #expect(preview.standardOutput.contains("no mirror is created"), "\(preview.standardOutput)")
        #expect(preview.standardOutput.contains("replicateHiddenProjects = false"), "\(preview.standardOutput)")

        let pushed = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(pushed.status == 0, "\(pushed.standardOutput)\(pushed.standardError)")
        let mirror = Self.refs(site.directory.path("github/public.git"))
        #expect(mirror["refs/heads/main"] != nil && mirror["refs/heads/feature"] != nil, "\(mirror)")
        #expect(mirror["refs/heads/secret/plan"] == nil, "a branch blocked for the group is never pushed")
        #expect(mirror["refs/changes/01/1/1"] != nil && mirror["refs/changes/01/1/meta"] != nil, "\(mirror)")
        #expect(mirror["refs/changes/02/2/1"] == nil, "a change for a hidden branch is hidden")
        #expect(mirror["refs/changes/03/3/1"] == nil, "a private change is hidden")
        for project in ["private", "hidden"] {
            let path = site.directory.path("github/\(project).git")
            #expect(!FileManager.default.fileExists(atPath: path), "\(project) is neither pushed nor created")
        }
        #expect(Self.refs(site.directory.path("github/team.git"))["refs/heads/main"] != nil, "through Outer")
        // Without authGroup everything is visible; hidden projects need replicateHiddenProjects.
        for project in ["private", "hidden", "public"] {
            #expect(Self.refs(site.directory.path("plain/\(project).git"))["refs/heads/main"] != nil, "\(project)")
        }
        #expect(Self.refs(site.directory.path("plain/public.git"))["refs/heads/secret/plan"] != nil)
    }

    @Test func restrictingAReplicatedBranchRemovesItWhereDeletionsPropagate() throws {
        let site = try Self.makeSite()
        let first = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(first.status == 0, "\(first.standardOutput)\(first.standardError)")
        for name in ["github", "backup"] {
            #expect(Self.refs(site.directory.path("\(name)/public.git"))["refs/heads/feature"] != nil)
        }
        try Self.meta(
            """
            [access "refs/heads/secret/*"]
              read = group mediawiki-replication
            [access "refs/heads/feature"]
              read = block group mediawiki-replication
            """,
            in: site.source("public")
        )
        let second = try site.replicator(["start", "public", "--wait", "--now"])
        #expect(second.status == 0, "\(second.standardOutput)\(second.standardError)")
        let github = Self.refs(site.directory.path("github/public.git"))
        #expect(github["refs/heads/feature"] == nil, "mirror = true: the copy is deleted")
        #expect(github["refs/heads/main"] != nil)
        #expect(Self.refs(site.directory.path("backup/public.git"))["refs/heads/feature"] != nil, "kept")
        #expect(second.standardOutput.contains("left on the remote"), "\(second.standardOutput)")
        #expect(second.standardOutput.contains("refs/heads/feature  "), "\(second.standardOutput)")
        #expect(second.standardOutput.contains("(no longer visible (not visible to authGroup: blocked by"))
    }
}
