import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// Small pushes are packed in this process (libgit2's pack builder) and land whole in a real
/// receive-pack; big repositories, long histories and a pack larger than a thin one would be go to
/// `git pack-objects`, which a wrapper around git counts.
@Suite(.offThePool)
struct SmallPackTests {
    init() { LibGit2.initialize() }

    struct Site {
        let directory: TemporaryDirectory
        let source: String
        let mirror: String
        /// Runs git, logging each `pack-objects` it starts to `log`.
        let git: String
        let log: String

        var packObjectsRuns: Int {
            ((try? String(contentsOfFile: self.log, encoding: .utf8)) ?? "").split(separator: "\n").count
        }

        /// A full sync of every ref; the mirror then has the source's refs and passes `fsck --strict`.
        func push(smallPackLimit: Int = 1 << 20, maxPushSize: Int = 0) throws -> PushReport {
            let pool = SSHSessionPool()
            var options = SendPackOptions(git: self.git, connectTimeout: .seconds(5), timeout: .seconds(30), pool: pool)
            options.smallPackLimit = smallPackLimit
            options.maxPushSize = maxPushSize
            let repository = try GitRepository(path: self.source)
            let planner = UpdatePlanner(remote: try RemoteFixture.remote("  push = +refs/*:refs/*\n  mirror = true\n"))
            let local = try repository.readRefs().refs
            let report = try repository.sendPack(
                to: try RemoteURL(parsing: self.mirror),
                access: SSHAccess(),
                options: options
            ) { planner.planFullSync(local: local, remote: $0) }
            #expect(report.isSuccess, "\(report.results)")
            #expect(try GitFixtures.refs(of: self.mirror) == (try GitFixtures.refs(of: self.source)))
            _ = try Command.git(["fsck", "--strict", "--no-progress", "--no-dangling"], in: self.mirror)
            return report
        }
    }

    /// A source with every kind of thing a ref can name: a branch with a merge and a submodule, an
    /// annotated tag, a tag of that tag, an annotated tag of a tree, a lightweight tag of a blob.
    static func makeSite() throws -> Site {
        let directory = try TemporaryDirectory("smallpack")
        let work = directory.path("work")
        try Command.git(["init", "-q", "-b", "main", work])
        try "one\n".write(toFile: work + "/a.txt", atomically: true, encoding: .utf8)
        try Command.git(["add", "a.txt"], in: work)
        try Command.git(["commit", "-qm", "one"], in: work)
        try Command.git(["checkout", "-qb", "side"], in: work)
        try "side\n".write(toFile: work + "/b.txt", atomically: true, encoding: .utf8)
        try Command.git(["add", "b.txt"], in: work)
        try Command.git(["commit", "-qm", "side"], in: work)
        try Command.git(["checkout", "-q", "main"], in: work)
        try "two\n".write(toFile: work + "/a.txt", atomically: true, encoding: .utf8)
        try Command.git(["commit", "-qam", "two"], in: work)
        try Command.git(["merge", "-q", "--no-edit", "side"], in: work)
        // A submodule's commit, which the source does not have (a superproject's gitlink).
        try Command.git(
            ["update-index", "--add", "--cacheinfo", "160000,\(String(repeating: "5", count: 40)),lib"],
            in: work
        )
        try Command.git(["commit", "-qm", "a submodule"], in: work)
        try Command.git(["tag", "-a", "-m", "release", "v1"], in: work)
        try Command.git(["tag", "-a", "-m", "of a tag", "v1-signed", "v1"], in: work)
        try Command.git(["tag", "-a", "-m", "a tree", "tree-tag", "HEAD^{tree}"], in: work)
        try Command.git(["tag", "blob-tag", "HEAD:a.txt"], in: work)
        let source = directory.path("source.git")
        try Command.git(["clone", "-q", "--bare", "--no-local", work, source])
        try Command.git(["pack-refs", "--all"], in: source)
        let mirror = directory.path("mirror.git")
        try Command.git(["init", "-q", "--bare", "-b", "main", mirror])
        let log = directory.path("pack-objects.log")
        let git = directory.path("git")
        try Command.writeExecutable(
            """
            #!/bin/sh
            for argument in "$@"; do [ "$argument" = pack-objects ] && echo "$*" >> '\(log)'; done
            exec git "$@"

            """,
            to: git
        )
        return Site(directory: directory, source: source, mirror: mirror, git: git, log: log)
    }

    @Test func aSmallPushIsPackedHereAndLandsWhole() throws {
        let site = try Self.makeSite()
        _ = try site.push()
        #expect(site.packObjectsRuns == 0)
        // The next push has bases on the mirror: only the new commit's objects go.
        let work = site.directory.path("work")
        try "three\n".write(toFile: work + "/a.txt", atomically: true, encoding: .utf8)
        try Command.git(["commit", "-qam", "three"], in: work)
        try Command.git(["push", "-q", site.source, "main"], in: work)
        let report = try site.push()
        #expect(site.packObjectsRuns == 0)
        #expect(report.bytesSent < 2_000, "one commit, one tree, one blob: \(report.bytesSent) bytes")
    }

    @Test func withoutALimitEveryPackComesFromPackObjects() throws {
        let site = try Self.makeSite()
        _ = try site.push(smallPackLimit: 0)
        #expect(site.packObjectsRuns == 1)
    }

    /// Under `maxPushSize` every pack comes from pack-objects: the steps are sized by git's stored
    /// sizes, which a pack without thin deltas could pass.
    @Test func underAPushSizeCapEveryPackComesFromPackObjects() throws {
        let site = try Self.makeSite()
        _ = try site.push(maxPushSize: 50 << 20)
        #expect(site.packObjectsRuns >= 1)
    }

    /// More commits than a small pack takes: a first push of a long history goes to pack-objects.
    @Test func aLongHistoryGoesToPackObjects() throws {
        let site = try Self.makeSite()
        for index in 0...SmallPackTestsLimits.commits {
            try GitFixtures.commit(files: ["n.txt": "\(index)\n"], to: "refs/heads/long", in: site.source)
        }
        _ = try site.push()
        #expect(site.packObjectsRuns == 1)
    }

    /// A repository that stores more than the limit goes to pack-objects, even for a small push.
    @Test func aBigRepositoryGoesToPackObjects() throws {
        let site = try Self.makeSite()
        _ = try site.push(smallPackLimit: 64)
        #expect(site.packObjectsRuns == 1)
    }
}

/// ``SmallPack``'s commit limit as the tests see it (the type is internal to ReplicationGit).
enum SmallPackTestsLimits {
    static let commits = 64
}
