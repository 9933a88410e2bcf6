import Foundation
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
}
