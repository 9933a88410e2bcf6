import ReplicationCore
import Testing

/// `replicator explain`'s reasons, one per rule, from a configuration that exercises all of them.
struct RefExplainerTests {
    static let config = """
        [remote "r"]
          url = /m/${name}.git
          push = +refs/heads/main:refs/heads/stable
          push = +refs/heads/*:refs/heads/*
          push = refs/tags/*:refs/tags/*
          push = ^refs/heads/wip/*
          push = +refs/meta/*:refs/meta/*
          push = +refs/changes/*:refs/changes/*
          mirror = true
          maxDeletions = 1
          replicatePermissions = false
          replicateNoteDbMetaRefs = false
          excludedRefsPattern = refs/tags/secret-.*
          authGroup = replication
        """

    static let id = DriftScopeTests.id
    static let local: [String: ObjectID] = [
        "HEAD": id("a"), "refs/heads/main": id("a"), "refs/heads/stable": id("b"), "refs/heads/dev": id("c"),
        "refs/heads/wip/x": id("a"), "refs/tags/secret-1": id("a"), "refs/meta/config": id("a"),
        "refs/changes/01/1/meta": id("a"), "refs/notes/x": id("a"), "refs/heads/secret/plan": id("a"),
    ]
    static let mirror: [String: ObjectID] = [
        "refs/heads/dev": id("b"), "refs/tags/old1": id("a"), "refs/tags/old2": id("a"), "refs/heads/stable": id("a"),
    ]

    static func explain(_ ref: String, mirror: [String: ObjectID]? = Self.mirror, project: Bool = true) throws
        -> RefExplanation
    {
        let configuration = ReplicationConfiguration.parse(Self.config)
        let groups = GerritGroups(parsing: "uuid-repl\treplication\n")
        let access = try ProjectAccess(
            projectConfig:
                "[access \"refs/*\"]\n  read = group replication\n[access \"refs/heads/secret/*\"]\n  read = block group replication\n",
            groups: groups,
            file: "project.config"
        )
        let read = ReadAccess(chain: [.init(project: "All-Projects", access: access)], groups: ["uuid-repl"])
        return RefExplainer(
            remote: configuration.remotes[0],
            visibility: ProjectVisibility(state: .active, read: read)
        ).explain(
            project: "p",
            ref: ref,
            url: "/m/p.git",
            local: Self.local,
            headTarget: "refs/heads/main",
            mirror: mirror,
            replicatesProject: project
        )
    }

    static func kinds(_ explanation: RefExplanation) -> [String] { explanation.rules.map(\.kind) }

    @Test func aMappedRefNamesItsPushLineAndWhatEachPushWouldDo() throws {
        let dev = try Self.explain("refs/heads/dev")
        // Replicated; a full sync now is held because it would delete two refs.
        #expect(dev.isReplicated && Self.kinds(dev) == ["mass-deletion-guard"])
        #expect(dev.mapping?.refspec == "+refs/heads/*:refs/heads/*")
        #expect(dev.mapping?.location == "/site/etc/replication.config:4" && dev.mapping?.isForced == true)
        #expect(dev.sourceID == Self.id("c") && dev.mirrorID == Self.id("b"))
        #expect(dev.delta?.action == "force-update" && dev.fullSync?.action == "held")
    }

    @Test(arguments: [
        ("refs/heads/wip/x", "negative-refspec", "/site/etc/replication.config:6"),
        ("refs/tags/secret-1", "excludedRefsPattern", nil),
        ("refs/meta/config", "replicatePermissions", nil),
        ("refs/changes/01/1/meta", "replicateNoteDbMetaRefs", nil),
        ("refs/notes/x", "no-refspec", nil),
        ("HEAD", "HEAD", nil),
        ("refs/heads/secret/plan", "visibility", nil),
    ])
    func eachExcludingRuleIsNamed(ref: String, kind: String, location: String?) throws {
        let explanation = try Self.explain(ref)
        #expect(!explanation.isReplicated)
        let rule = try #require(explanation.rules.first { $0.kind == kind }, "\(explanation.rules)")
        #expect(rule.location == location)
        #expect(explanation.delta?.action == "none", "\(String(describing: explanation.delta))")
        #expect(explanation.delta?.detail.isEmpty == false)
    }

    @Test func aDestinationAnotherLineFeedsIsSaidSo() throws {
        let stable = try Self.explain("refs/heads/stable")
        #expect(Self.kinds(stable) == ["shared-destination", "mass-deletion-guard"])
        #expect(stable.rules.first?.message.contains("refs/heads/main") == true)
        #expect(stable.mapping?.location == "/site/etc/replication.config:4")
    }

    @Test func theMassDeletionGuardIsNamedForARefAFullSyncWouldDelete() throws {
        let old = try Self.explain("refs/tags/old1")
        #expect(Self.kinds(old) == ["mass-deletion-guard"])
        #expect(old.fullSync?.action == "held" && old.delta?.action == "delete")
        #expect(old.sourceID == nil && old.mirrorID == Self.id("a"))
    }

    @Test func offlineThereIsNoPredictionAndAProjectFilterExcludesEverything() throws {
        let offline = try Self.explain("refs/heads/dev", mirror: nil)
        #expect(!offline.listed && offline.delta == nil && offline.fullSync == nil && offline.mirrorID == nil)
        let filtered = try Self.explain("refs/heads/dev", project: false)
        #expect(!filtered.isReplicated && Self.kinds(filtered) == ["projects"])
    }
}
