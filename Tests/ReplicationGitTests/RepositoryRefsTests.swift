import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

// The limit only catches hangs: it also covers waiting for an off-pool slot (OffThePool).
@Suite(.offThePool)
struct RepositoryRefsTests {
    init() { LibGit2.initialize() }

    @Test func readsPackedAndLooseRefsAndResolvesSymbolicOnes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("source.git")
        let ids = try GitFixtures.makeRepository(
            at: path,
            refs: [("refs/heads/main", "one"), ("refs/tags/v1", "two"), ("refs/changes/01/1/1", "three")]
        )
        try Command.git(["pack-refs", "--all"], in: path)
        try Command.git(["update-ref", "refs/heads/loose", ids["refs/heads/main"]!], in: path)
        try Command.git(["symbolic-ref", "refs/heads/alias", "refs/tags/v1"], in: path)
        let refs = try GitRepository(path: path).readRefs()
        var expected = try GitFixtures.refs(of: path)
        expected["HEAD"] = ids["refs/heads/main"]
        #expect(refs.refs.dictionary.mapValues(\.hex) == expected)
        #expect(refs.refs["refs/heads/alias"]?.hex == ids["refs/tags/v1"])
        #expect(refs.headTarget == "refs/heads/main")
    }

    /// The ref files read directly as git reads them: a loose file wins over its packed line (even
    /// a broken one, which hides the ref), `.lock` files are not refs, peeled lines are not refs,
    /// a symbolic loose ref resolves to a packed one, a detached HEAD is an id.
    @Test func readsRefFilesAsGitDoes() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("source.git")
        let ids = try GitFixtures.makeRepository(
            at: path,
            refs: [("refs/heads/main", "one"), ("refs/heads/next", "two")]
        )
        let (one, two) = (ids["refs/heads/main"]!, ids["refs/heads/next"]!)
        for ref in ["refs/heads/over", "refs/heads/broken"] { try Command.git(["update-ref", ref, one], in: path) }
        try Command.git(["tag", "-a", "-m", "annotated", "v1", one], in: path)
        try Command.git(["pack-refs", "--all"], in: path)
        try Command.git(["update-ref", "refs/heads/over", two], in: path)
        try "garbage\n".write(toFile: path + "/refs/heads/broken", atomically: true, encoding: .utf8)
        try "\(two)\n".write(toFile: path + "/refs/heads/locked.lock", atomically: true, encoding: .utf8)
        try Command.git(["symbolic-ref", "refs/heads/alias", "refs/tags/v1"], in: path)
        try "\(two)\n".write(toFile: path + "/HEAD", atomically: true, encoding: .utf8)
        let packed = try String(contentsOfFile: path + "/packed-refs", encoding: .utf8)
        #expect(packed.contains("\n^"), "the annotated tag is packed with its peeled line")

        let refs = try GitRepository(path: path).readRefs()
        var expected = try GitFixtures.refs(of: path)
        expected["HEAD"] = two
        #expect(refs.refs.dictionary.mapValues(\.hex) == expected)
        #expect(refs.refs["refs/heads/over"]?.hex == two)
        #expect(refs.refs["refs/heads/broken"] == nil)
        #expect(refs.refs["refs/heads/locked"] == nil)
        #expect(refs.headTarget == nil)

        // Read one ref at a time (an event's push): the same answers, HEAD included.
        let names: Set<String> = [
            "refs/heads/over", "refs/heads/broken", "refs/heads/alias", "refs/heads/main", "refs/tags/v1",
            "refs/heads/locked", "refs/heads/missing", "refs/heads", "refs/tags/v1^{}", "../config",
        ]
        let some = try GitRepository(path: path).readRefs(named: names)
        let wanted = refs.refs.dictionary.filter { names.contains($0.key) || $0.key == "HEAD" }
        #expect(some.refs.dictionary == wanted)
        #expect(some.headTarget == nil)
    }

    /// A symbolic HEAD read with a few refs: its target's id comes along, the target itself only
    /// when asked for.
    @Test func readsHeadWithAFewRefs() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("source.git")
        let ids = try GitFixtures.makeRepository(
            at: path,
            refs: [("refs/heads/main", "one"), ("refs/heads/next", "two")]
        )
        try Command.git(["pack-refs", "--all"], in: path)
        let some = try GitRepository(path: path).readRefs(named: ["refs/heads/next"])
        #expect(
            some.refs.dictionary.mapValues(\.hex) == [
                "HEAD": ids["refs/heads/main"]!, "refs/heads/next": ids["refs/heads/next"]!,
            ]
        )
        #expect(some.headTarget == "refs/heads/main")
    }

    @Test func leavesOutAnUnbornHead() throws {
        let directory = try TemporaryDirectory()
        try GitFixtures.makeRepository(at: directory.path("empty.git"))
        let refs = try GitRepository(path: directory.path("empty.git")).readRefs()
        #expect(refs.refs.isEmpty)
        #expect(refs.headTarget == "refs/heads/main")
    }

    @Test func reportsAMissingRepository() throws {
        let error = #expect(throws: GitError.self) { try GitRepository(path: "/nonexistent/repo.git") }
        #expect(error?.message.isEmpty == false)
    }

    @Test func tellsFastForwardsApart() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path("r.git")
        let ids = try GitFixtures.makeRepository(at: path, refs: [("refs/heads/a", "one"), ("refs/heads/b", "two")])
        let repository = try GitRepository(path: path)
        let a = ObjectID(hex: ids["refs/heads/a"]!)!
        let b = ObjectID(hex: ids["refs/heads/b"]!)!
        #expect(repository.isFastForward(from: a, to: b) == true)
        #expect(repository.isFastForward(from: b, to: a) == false)
        #expect(repository.isFastForward(from: ObjectID(hex: String(repeating: "1", count: 40))!, to: a) == nil)
    }
}
