import ReplicationCore
import Testing

/// `replicator verify`'s comparison: every kind of difference, and nothing outside the scope.
struct DriftScopeTests {
    static func remote(_ lines: String) -> RemoteConfiguration {
        let configuration = ReplicationConfiguration.parse("[remote \"r\"]\n  url = /m/${name}.git\n" + lines)
        precondition(configuration.isUsable, "\(configuration.errors)")
        return configuration.remotes[0]
    }

    static func id(_ letter: Character) -> ObjectID { ObjectID(hex: String(repeating: letter, count: 40))! }

    /// A history where a ← b ← c (c descends from b from a) and d, e stand alone.
    static func isAncestor(_ ancestor: ObjectID, _ descendant: ObjectID) -> Bool? {
        let parents: [ObjectID: ObjectID] = [id("b"): id("a"), id("c"): id("b")]
        guard [id("a"), id("b"), id("c"), id("d"), id("e")].contains(ancestor) else { return nil }
        var current: ObjectID? = descendant
        while let commit = current {
            if commit == ancestor { return true }
            current = parents[commit]
        }
        return false
    }

    static let github = """
          push = refs/heads/release/*:refs/heads/release/*
          push = +refs/heads/*:refs/heads/*
          push = +refs/tags/*:refs/tags/*
          push = ^refs/heads/wip/*
          mirror = true
          excludedRefsPattern = refs/tags/internal-.*

        """

    static func compare(_ lines: String, local: [String: ObjectID], remote: [String: ObjectID]) -> MirrorDrift {
        DriftScope(planner: UpdatePlanner(remote: Self.remote(lines))).compare(
            local: local,
            remote: remote,
            isAncestor: Self.isAncestor
        )
    }

    @Test func everyKindOfDifferenceIsNamed() {
        let local = [
            "refs/heads/main": Self.id("c"), "refs/heads/dev": Self.id("d"), "refs/heads/old": Self.id("b"),
            "refs/tags/v1": Self.id("a"), "refs/tags/v2": Self.id("b"), "refs/heads/same": Self.id("a"),
        ]
        let remote = [
            "refs/heads/main": Self.id("a"),  // stale
            "refs/heads/dev": Self.id("e"),  // diverged
            "refs/heads/old": Self.id("c"),  // ahead: someone pushed on top
            "refs/tags/v1": Self.id("a"),  // in sync
            "refs/tags/gone": Self.id("a"),  // extra: deleted at the source
            "refs/heads/same": Self.id("a"),
        ]
        let drift = Self.compare(Self.github, local: local, remote: remote)
        #expect(
            drift.differences.map { "\($0.kind) \($0.ref)" } == [
                "diverged refs/heads/dev", "stale refs/heads/main", "ahead refs/heads/old", "extra refs/tags/gone",
                "missing refs/tags/v2",
            ]
        )
        #expect(drift.sourceRefs == 6 && drift.mirrorRefs == 6)
        let diverged = drift.differences[0]
        #expect(diverged.sourceID == Self.id("d") && diverged.mirrorID == Self.id("e") && diverged.isForced)
    }

    @Test func aMirrorValueTheSourceDoesNotHaveIsDiverged() {
        let drift = Self.compare(
            Self.github,
            local: ["refs/heads/main": Self.id("a")],
            remote: ["refs/heads/main": Self.id("f")]
        )
        #expect(drift.differences.map(\.kind) == [.diverged])
    }

    @Test func nothingOutsideTheScopeIsCompared() {
        let local = [
            "HEAD": Self.id("a"), "refs/heads/wip/x": Self.id("a"), "refs/tags/internal-1": Self.id("a"),
            "refs/changes/01/1/1": Self.id("a"), "refs/heads/main": Self.id("a"),
        ]
        let remote = [
            "HEAD": Self.id("b"), "refs/pull/1/head": Self.id("b"), "refs/pull/2/merge": Self.id("c"),
            "refs/heads/wip/y": Self.id("b"), "refs/tags/internal-2": Self.id("b"), "refs/heads/main": Self.id("a"),
            "refs/notes/commits": Self.id("b"),
        ]
        let drift = Self.compare(Self.github, local: local, remote: remote)
        #expect(drift.isInSync, "\(drift.differences)")
        #expect(drift.sourceRefs == 1 && drift.mirrorRefs == 1)
    }

    @Test func permissionsAndNoteDbRulesBoundTheScope() {
        let lines = "  push = +refs/*:refs/*\n  replicatePermissions = false\n  replicateNoteDbMetaRefs = false\n"
        let local = ["refs/meta/config": Self.id("a"), "refs/changes/01/1/meta": Self.id("a")]
        let remote = ["refs/meta/config": Self.id("e"), "refs/changes/02/2/meta": Self.id("b")]
        #expect(Self.compare(lines, local: local, remote: remote).isInSync)
        // Without the rules both are in scope.
        let open = Self.compare("  push = +refs/*:refs/*\n", local: local, remote: remote)
        #expect(
            open.differences.map { "\($0.kind) \($0.ref)" }.sorted() == [
                "diverged refs/meta/config", "extra refs/changes/02/2/meta", "missing refs/changes/01/1/meta",
            ]
        )
    }

    @Test func aRefSpecMappingElsewhereComparesUnderTheDestinationName() {
        let lines = "  push = +refs/heads/*:refs/heads/upstream/*\n"
        let drift = Self.compare(
            lines,
            local: ["refs/heads/main": Self.id("c")],
            remote: ["refs/heads/upstream/main": Self.id("b"), "refs/heads/main": Self.id("e")]
        )
        #expect(
            drift.differences.map { "\($0.kind) \($0.ref) \($0.source)" } == [
                "stale refs/heads/upstream/main refs/heads/main"
            ]
        )
    }

    @Test func aHiddenRefIsNotMissingAndItsCopyIsExtra() throws {
        let groups = GerritGroups(parsing: "uuid-repl\treplication\n")
        let access = try ProjectAccess(
            projectConfig:
                "[access \"refs/*\"]\n  read = group replication\n[access \"refs/heads/secret/*\"]\n  read = block group replication\n",
            groups: groups,
            file: "project.config"
        )
        let read = ReadAccess(chain: [.init(project: "All-Projects", access: access)], groups: ["uuid-repl"])
        let planner = UpdatePlanner(
            remote: Self.remote("  push = +refs/heads/*:refs/heads/*\n"),
            visibility: ProjectVisibility(state: .active, read: read)
        )
        let drift = DriftScope(planner: planner).compare(
            local: ["refs/heads/secret/a": Self.id("a"), "refs/heads/secret/b": Self.id("a")],
            remote: ["refs/heads/secret/b": Self.id("a")],
            isAncestor: Self.isAncestor
        )
        #expect(drift.differences.map { "\($0.kind) \($0.ref)" } == ["extra refs/heads/secret/b"])
        #expect(drift.differences.first?.hiddenReason?.contains("blocked") == true)
    }
}
