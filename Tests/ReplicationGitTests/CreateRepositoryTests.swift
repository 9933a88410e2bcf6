import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// Creating a mirror repository on a local path.
@Suite(.offThePool)
struct CreateRepositoryTests {
    init() { LibGit2.initialize() }

    @Test func createsParentsAndHead() throws {
        let directory = try TemporaryDirectory("create")
        let path = directory.path("a/b/p.git")
        try GitRepository.createBare(at: path, head: "refs/heads/main", storeRefLog: false)
        let head = try Command.git(["--git-dir", path, "symbolic-ref", "HEAD"])
        #expect(head == "refs/heads/main")
    }

    /// A file where a directory must be is a configuration problem: `invalid` (permanent, the URL
    /// is marked failed), naming the file, not libgit2's "directory exists" retried forever.
    @Test func aFileInTheWayIsAPermanentErrorNamingIt() throws {
        let directory = try TemporaryDirectory("create")
        try directory.write("not a directory", to: "etc")
        let path = directory.path("etc/mirrors/p.git")
        #expect {
            try GitRepository.createBare(at: path, head: nil, storeRefLog: false)
        } throws: { error in
            guard let error = error as? GitError else { return false }
            return error.code == .invalid && error.message.contains(directory.path("etc"))
                && error.message.contains("is a file")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    /// A local mirror's HEAD moves when it points elsewhere, in a bare repository and in one with a
    /// work tree, and an update to where it already points changes nothing and says so.
    @Test(arguments: [true, false])
    func aLocalMirrorsHeadMovesOnlyWhenItPointsElsewhere(bare: Bool) throws {
        let directory = try TemporaryDirectory("head")
        let path = directory.path("p.git")
        try Command.git(["init", "-q"] + (bare ? ["--bare"] : []) + ["-b", "master", path])
        let url = try RemoteURL(parsing: path)
        let channel = SSHAdminChannel(access: SSHAccess(), connectTimeout: .seconds(5), timeout: .seconds(5))
        let update = { () throws in
            try RemoteRepositoryAdmin.updateHead(at: url, to: "refs/heads/main", gitPath: nil, channel: channel)
        }
        #expect(try update(), "moved from master")
        #expect(try Command.git(["symbolic-ref", "HEAD"], in: path) == "refs/heads/main")
        #expect(try update() == false, "already there")
        #expect(try Command.git(["symbolic-ref", "HEAD"], in: path) == "refs/heads/main")
    }

    /// A bare mirror (HEAD at `master`) in `directory` and a work tree `seed` with one commit on
    /// `main`.
    static func mirrorAndSeed(in directory: TemporaryDirectory) throws -> (mirror: String, seed: String) {
        let path = directory.path("p.git")
        try Command.git(["init", "-q", "--bare", "-b", "master", path])
        let seed = directory.path("seed")
        try Command.git(["init", "-q", "-b", "main", seed])
        try Command.git(["commit", "-q", "--allow-empty", "-m", "one"], in: seed)
        return (path, seed)
    }

    /// A branch checked out in a linked worktree of the mirror is not made its HEAD
    /// (git_repository_set_head refuses, and the error says why); another branch is.
    @Test func aBranchCheckedOutInALinkedWorktreeIsNotMadeTheMirrorsHead() throws {
        let directory = try TemporaryDirectory("head")
        let (path, seed) = try Self.mirrorAndSeed(in: directory)
        try Command.git(["push", "-q", path, "main", "main:side"], in: seed)
        try Command.git(["worktree", "add", "-q", directory.path("checkout"), "main"], in: path)
        let url = try RemoteURL(parsing: path)
        let channel = SSHAdminChannel(access: SSHAccess(), connectTimeout: .seconds(5), timeout: .seconds(5))
        #expect {
            try RemoteRepositoryAdmin.updateHead(at: url, to: "refs/heads/main", gitPath: nil, channel: channel)
        } throws: { error in
            (error as? GitError)?.message.contains("linked repository") == true
        }
        #expect(try Command.git(["symbolic-ref", "HEAD"], in: path) == "refs/heads/master")
        #expect(try RemoteRepositoryAdmin.updateHead(at: url, to: "refs/heads/side", gitPath: nil, channel: channel))
        #expect(try Command.git(["symbolic-ref", "HEAD"], in: path) == "refs/heads/side")
    }

    /// A HEAD that names a tag detaches the mirror's HEAD at the tag's commit
    /// (git_repository_set_head's rule for anything but a branch).
    @Test func aHeadNamingATagDetachesTheMirrorsHead() throws {
        let directory = try TemporaryDirectory("head")
        let (path, seed) = try Self.mirrorAndSeed(in: directory)
        try Command.git(["tag", "v1"], in: seed)
        try Command.git(["push", "-q", path, "main", "v1"], in: seed)
        let url = try RemoteURL(parsing: path)
        let channel = SSHAdminChannel(access: SSHAccess(), connectTimeout: .seconds(5), timeout: .seconds(5))
        #expect(try RemoteRepositoryAdmin.updateHead(at: url, to: "refs/tags/v1", gitPath: nil, channel: channel))
        let head = try String(contentsOfFile: path + "/HEAD", encoding: .utf8)
        #expect(head == (try Command.git(["rev-parse", "v1^{commit}"], in: seed)) + "\n")
    }
}
