import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

@Suite(.timeLimit(.minutes(2)))
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
