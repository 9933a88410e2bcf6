import ReplicationCore
import Testing

struct ProjectMatchesTests {
    static let configuration = EventExpansionTests.configuration(
        """
        [remote "a"]
          url = /a/${name}.git
          projects = ^team/.*
        [remote "b"]
          url = /b/${name}.git
        """
    )

    @Test func eachProjectIsAskedOncePerRemoteAndAnswersAreKept() {
        var asked: [String] = []
        let events = ["team/x", "team/x", "other"].enumerated().map { index, project in
            StoredEvent(id: Int64(index), event: .refUpdated(project: project, refs: ["refs/heads/m"]), storedAt: 0)
        }
        let matches = ProjectMatches(of: events, in: Self.configuration) { remote, project in
            asked.append("\(remote.name):\(project)")
            return remote.replicates(project: project)
        }
        #expect(asked.sorted() == ["a:other", "a:team/x", "b:other", "b:team/x"])
        let (a, b) = (Self.configuration.remotes[0], Self.configuration.remotes[1])
        #expect(matches.replicates(a, "team/x") && !matches.replicates(a, "other"))
        #expect(matches.replicates(b, "team/x") && matches.replicates(b, "other"))
        #expect(!matches.replicates(b, "never-asked"), "a pair not answered is not taken")
    }
}
