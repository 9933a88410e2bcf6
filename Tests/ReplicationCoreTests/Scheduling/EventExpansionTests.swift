import ReplicationCore
import Testing

struct EventExpansionTests {
    static func configuration(_ text: String) -> ReplicationConfiguration {
        ReplicationConfiguration.load(
            path: "/site/etc/replication.config",
            fileSystem: InMemoryFileSystem(["/site/etc/replication.config": text])
        )
    }

    static let config = Self.configuration(
        """
        [remote "github"]
          url = git@github.com:org/${name}.git
          push = +refs/heads/*:refs/heads/*
          projects = app*
        [remote "backup"]
          url = /backup/${name}.git
          url = ssh://b2/${name}.git
          push = +refs/*:refs/*
          replicateProjectDeletions = true
          replicatePermissions = false
        """
    )

    @Test func refUpdatesGoToEveryURLWhoseRefspecsAndProjectsMatch() {
        let targets = EventExpansion(configuration: Self.config).targets(
            of: .refUpdated(project: "app1", refs: ["refs/heads/main", "refs/tags/v1"])
        )
        let byURL = Dictionary(uniqueKeysWithValues: targets.map { ($0.target.url, $0.work.refs) })
        #expect(byURL["git@github.com:org/app1.git"] == ["refs/heads/main"])
        #expect(byURL["/backup/app1.git"] == ["refs/heads/main", "refs/tags/v1"])
        #expect(byURL["ssh://b2/app1.git"] == ["refs/heads/main", "refs/tags/v1"])
    }

    @Test func refsThatCanComeToNoUpdateScheduleNoPushAndSayWhy() {
        let expansion = EventExpansion(configuration: Self.config).expand(
            .refUpdated(project: "other", refs: ["refs/meta/config", "HEAD", "refs/cache-automerge/01/1"])
        )
        #expect(expansion.targets.isEmpty)
        let reasons = Dictionary(grouping: expansion.skipped, by: \.ref).mapValues { $0.map(\.reason) }
        #expect(reasons["refs/meta/config"] == ["refs/meta/config is not replicated (replicatePermissions = false)"])
        #expect(reasons["HEAD"] == ["HEAD changes are propagated as a symbolic ref, not pushed"])
        #expect(reasons["refs/cache-automerge/01/1"] == ["refs/cache-automerge/* is never replicated"])
    }

    /// docs/visibility.md: new access rules can hide or reveal any ref, so a remote with authGroup
    /// plans the project again in full; one without keeps the delta (or skips refs/meta/config).
    @Test func anAccessChangeIsAFullSyncForRemotesWithAuthGroup() {
        let configuration = Self.configuration(
            """
            [remote "github"]
              url = /github/${name}.git
              push = +refs/heads/*:refs/heads/*
              authGroup = mediawiki-replication
            [remote "backup"]
              url = /backup/${name}.git
              push = +refs/*:refs/*
            """
        )
        let targets = EventExpansion(configuration: configuration).targets(
            of: .refUpdated(project: "app", refs: ["refs/meta/config"])
        )
        let byRemote = Dictionary(uniqueKeysWithValues: targets.map { ($0.target.remote, $0.work) })
        #expect(byRemote["github"]?.fullSync == true)
        #expect(byRemote["backup"]?.fullSync == false && byRemote["backup"]?.refs == ["refs/meta/config"])
    }

    @Test func aRefOneRemoteDoesNotTakeIsReportedForThatRemote() {
        let expansion = EventExpansion(configuration: Self.config).expand(
            .refUpdated(project: "app1", refs: ["refs/tags/v1"])
        )
        #expect(expansion.targets.map(\.target.remote) == ["backup", "backup"])
        #expect(expansion.skipped.map(\.remote) == ["github"])
        #expect(expansion.skipped.first?.reason == "matches no push refspec of remote github")
    }

    @Test func projectDeletionsGoOnlyToRemotesThatReplicateThemAndTheProject() {
        let targets = EventExpansion(configuration: Self.config).targets(
            of: ReplicationEvent(kind: .projectDeleted, project: "app1")
        )
        #expect(Set(targets.map(\.target.remote)) == ["backup"])
        #expect(targets.allSatisfy { $0.work == PushWork(deleteProject: true) })
    }

    @Test func fullSyncsHonourRemoteAndURLSelection() {
        let event = ReplicationEvent(kind: .fullSync, project: "app1", remotes: ["backup"], urlSubstring: "b2")
        let targets = EventExpansion(configuration: Self.config).targets(of: event)
        #expect(targets.map(\.target.url) == ["ssh://b2/app1.git"])
        #expect(targets.first?.work.fullSync == true)
    }

    @Test(arguments: ["", "/abs", "a/../b", "..", "a//b", "./a", "a\u{0}b"])
    func namesThatEscapeBasePathAreRefused(name: String) {
        #expect(ProjectName.problem(with: name) != nil)
    }

    @Test(arguments: ["app", "team/app", "a.b/c-d_e"])
    func ordinaryNamesAreAccepted(name: String) {
        #expect(ProjectName.problem(with: name) == nil)
    }
}

struct PushWorkSummaryTests {
    @Test func zeroShowsEveryRefAndALimitCountsTheRest() {
        let work = PushWork(refs: ["refs/heads/a", "refs/heads/b", "refs/heads/c"])
        #expect(work.summary(limit: 0) == "refs/heads/a refs/heads/b refs/heads/c")
        #expect(work.summary(limit: 2) == "refs/heads/a refs/heads/b (+1 more)")
        #expect(PushWork(fullSync: true).summary(limit: 0) == "..all..")
    }
}
