import Foundation
import ReplicationCore
import Testing

/// Builds planners from config text and refs from `name=letter` shorthand (`a` → `aaaa…`).
private enum Fixture {
    static func remote(_ lines: String) -> RemoteConfiguration {
        let configuration = ReplicationConfiguration.parse("[remote \"r\"]\n  url = /m/${name}.git\n" + lines)
        precondition(configuration.isUsable, "\(configuration.errors)")
        return configuration.remotes[0]
    }

    static func planner(_ lines: String) -> UpdatePlanner { UpdatePlanner(remote: self.remote(lines)) }

    static func refs(_ text: String) -> [String: ObjectID] {
        var refs: [String: ObjectID] = [:]
        for item in text.split(separator: " ") {
            let parts = item.split(separator: "=")
            refs[String(parts[0])] = ObjectID(hex: String(repeating: String(parts[1]), count: 40))!
        }
        return refs
    }

    /// `create refs/heads/x`, `+update refs/heads/x`, `delete refs/heads/x`: forced updates get a `+`.
    static func summary(_ plan: UpdatePlan) -> [String] {
        plan.updates.map { update in
            let force = update.isForced && update.action != .delete ? "+" : ""
            let source = update.source.map { $0 == update.destination ? "" : "\($0)→" } ?? ""
            return "\(force)\(update.action.rawValue) \(source)\(update.destination)"
        }
    }

    static func plan(_ config: String, local: String, remote: String, delta: [String]?) -> UpdatePlan {
        let planner = self.planner(config)
        guard let delta else { return planner.planFullSync(local: self.refs(local), remote: self.refs(remote)) }
        return planner.planDelta(
            refs: delta,
            local: self.refs(local),
            remote: self.refs(remote),
            knownValues: self.reported(delta, remote: self.refs(remote))
        )
    }

    /// Events that reported what the mirror holds: every deletion they name is proven.
    static func reported(_ refs: [String], remote: [String: ObjectID]) -> [String: Set<String>] {
        Dictionary(refs.map { ($0, Set(remote.values.map(\.hex))) }, uniquingKeysWith: { $0.union($1) })
    }
}

struct DeletionMatrixTests {
    /// A ref present only on the remote, named by an event (delta) or found by a full sync.
    @Test(arguments: [
        (false, false, false, "skipped"), (false, false, true, "skipped"),
        (false, true, false, "skipped"), (false, true, true, "delete"),
        (true, false, false, "delete"), (true, false, true, "delete"),
        (true, true, false, "delete"), (true, true, true, "delete"),
    ])
    func remoteOnlyRef(mirror: Bool, replicateDeletions: Bool, delta: Bool, expected: String) {
        let config =
            "  push = +refs/heads/*:refs/heads/*\n  mirror = \(mirror)\n  replicateDeletions = \(replicateDeletions)\n"
        let plan = Fixture.plan(
            config,
            local: "refs/heads/main=a",
            remote: "refs/heads/main=a refs/heads/x=b",
            delta: delta ? ["refs/heads/x"] : nil
        )
        if expected == "delete" {
            #expect(Fixture.summary(plan) == ["delete refs/heads/x"])
            #expect(plan.skipped.isEmpty)
        } else {
            #expect(plan.updates.isEmpty)
            #expect(plan.skipped.map(\.ref) == ["refs/heads/x"], "a skipped deletion is reported, never dropped")
        }
    }

    /// The other ref states behave the same whatever the deletion settings.
    @Test(
        arguments: [
            ("refs/heads/x=a", "", "+create refs/heads/x"),
            ("refs/heads/x=a", "refs/heads/x=b", "+update refs/heads/x"),
            ("refs/heads/x=a", "refs/heads/x=a", nil),
            ("", "", nil),
        ] as [(String, String, String?)]
    )
    func otherStates(local: String, remote: String, expected: String?) {
        for mirror in [false, true] {
            for replicateDeletions in [false, true] {
                for delta in [false, true] {
                    let config =
                        "  push = +refs/heads/*:refs/heads/*\n  mirror = \(mirror)\n  replicateDeletions = \(replicateDeletions)\n"
                    let plan = Fixture.plan(config, local: local, remote: remote, delta: delta ? ["refs/heads/x"] : nil)
                    #expect(Fixture.summary(plan) == (expected.map { [$0] } ?? []))
                    #expect(plan.skipped.isEmpty)
                }
            }
        }
    }
}

struct ReferenceScenarioTests {
    /// docs/gerrit-behaviour.md, C1–C18, as planned by Replicator; `expectedSkipped` lists reported refs.
    @Test(
        arguments: [
            // C1, C2: default refspec, forced or not.
            (
                "C1", "", "refs/heads/master=a", "refs/heads/master=b", ["refs/heads/master"],
                ["update refs/heads/master"], []
            ),
            (
                "C2", "[gerrit]defaultForceUpdate", "refs/heads/master=a", "refs/heads/master=b", ["refs/heads/master"],
                ["+update refs/heads/master"], []
            ),
            // C3/C4: the deletion gap, closed by mirror.
            (
                "C3", "  push = +refs/heads/*:refs/heads/*\n", "", "refs/heads/feature=c", ["refs/heads/feature"], [],
                ["refs/heads/feature"]
            ),
            (
                "C4", "  push = +refs/heads/*:refs/heads/*\n  mirror = true\n", "", "refs/heads/feature=c",
                ["refs/heads/feature"], ["delete refs/heads/feature"], []
            ),
            // C5/C6: full sync; tags and changes are outside the refspec; HEAD is never touched.
            (
                "C5", "  push = +refs/heads/*:refs/heads/*\n",
                "HEAD=a refs/heads/master=a refs/heads/dev=d refs/tags/v1=e refs/changes/01/1/1=f",
                "HEAD=a refs/heads/master=a refs/heads/old=c refs/tags/v1=b", nil, ["+create refs/heads/dev"],
                ["refs/heads/old"]
            ),
            (
                "C6", "  push = +refs/heads/*:refs/heads/*\n  mirror = true\n",
                "HEAD=a refs/heads/master=a refs/heads/dev=d refs/tags/v1=e",
                "HEAD=a refs/heads/master=a refs/heads/old=c refs/tags/v1=b", nil,
                ["+create refs/heads/dev", "delete refs/heads/old"], []
            ),
            // C7: refs/meta/config with replicatePermissions = false: neither pushed nor deleted.
            (
                "C7", "  mirror = true\n  replicatePermissions = false\n", "refs/meta/config=a", "refs/meta/config=b",
                nil, [], ["refs/meta/config"]
            ),
            // C8–C10: excluded refs are never pushed and, unlike Gerrit, never deleted.
            (
                "C8", "  mirror = true\n  excludedRefsPattern = refs/foo/.*\n", "refs/foo/x=a",
                "refs/foo/x=b refs/foo/y=c", nil, [], ["refs/foo/x", "refs/foo/y"]
            ),
            (
                "C9", "  mirror = true\n  excludedRefsPattern = refs/foo/.*\n", "", "refs/foo/x=b", ["refs/foo/x"], [],
                ["refs/foo/x"]
            ),
            (
                "C10", "  mirror = true\n  excludedRefsPattern = refs/foo/.*\n", "refs/foo/x=a", "refs/foo/x=b",
                ["refs/foo/x"], [], ["refs/foo/x"]
            ),
            // C11: NoteDb meta refs.
            (
                "C11", "  replicateNoteDbMetaRefs = false\n", "refs/changes/34/1234/1=a refs/changes/34/1234/meta=b",
                "",
                ["refs/changes/34/1234/1", "refs/changes/34/1234/meta"], ["create refs/changes/34/1234/1"],
                ["refs/changes/34/1234/meta"]
            ),
            // C12/C13: first match wins; the backup of an existing branch is not pruned.
            (
                "C12", "  push = refs/heads/*:refs/heads/*\n  push = refs/heads/*:refs/backup/*\n",
                "refs/heads/master=a", "", nil, ["create refs/heads/master"], []
            ),
            (
                "C13", "  push = refs/heads/*:refs/heads/*\n  push = refs/heads/*:refs/backup/*\n  mirror = true\n",
                "refs/heads/master=a",
                "refs/backup/gone=c refs/backup/master=a", nil,
                ["create refs/heads/master", "delete refs/backup/gone"], []
            ),
            // C14: overlapping destinations do not flap: the tag still feeds refs/heads/tags/v1.
            (
                "C14",
                "  push = +refs/heads/*:refs/heads/*\n  push = +refs/tags/*:refs/heads/tags/*\n  mirror = true\n",
                "refs/tags/v1=a",
                "refs/heads/tags/v1=a", nil, [], []
            ),
            // C17: a negative refspec excludes the ref wherever it is listed.
            (
                "C17", "  push = ^refs/heads/secret\n  push = +refs/heads/*:refs/heads/*\n", "refs/heads/secret=a", "",
                ["refs/heads/secret"], [], ["refs/heads/secret"]
            ),
            // C18: equal ids are never sent, in either mode.
            ("C18-full", "", "refs/heads/master=a", "refs/heads/master=a", nil, [], []),
            ("C18-delta", "", "refs/heads/master=a", "refs/heads/master=a", ["refs/heads/master"], [], []),
        ] as [(String, String, String, String, [String]?, [String], [String])]
    )
    func scenario(
        name: String,
        config: String,
        local: String,
        remote: String,
        delta: [String]?,
        expected: [String],
        expectedSkipped: [String]
    ) {
        let (global, remoteLines) =
            config.hasPrefix("[gerrit]")
            ? ("[gerrit]\n  \(config.dropFirst(8))\n", "") : ("", config)
        let configuration = ReplicationConfiguration.parse(
            global + "[remote \"r\"]\n  url = /m/${name}.git\n" + remoteLines
        )
        let planner = UpdatePlanner(remote: configuration.remotes[0])
        let plan =
            delta.map {
                planner.planDelta(
                    refs: $0,
                    local: Fixture.refs(local),
                    remote: Fixture.refs(remote),
                    knownValues: Fixture.reported($0, remote: Fixture.refs(remote))
                )
            }
            ?? planner.planFullSync(local: Fixture.refs(local), remote: Fixture.refs(remote))
        #expect(Fixture.summary(plan) == expected, "\(name)")
        #expect(plan.skipped.map(\.ref) == expectedSkipped, "\(name): \(plan.skipped)")
    }
}

struct GitHubMirrorTests {
    /// The seed: tags and branches to GitHub, which also holds refs/pull/*.
    private static let github = "  push = +refs/heads/*:refs/heads/*\n  push = +refs/tags/*:refs/tags/*\n"
    private static let remote = "refs/heads/master=a refs/tags/list=b refs/pull/1/head=c refs/pull/1/merge=d"

    @Test func deletedTagPropagatesWithReplicateDeletions() {
        let config = Self.github + "  replicateDeletions = true\n"
        let delta = Fixture.plan(config, local: "refs/heads/master=a", remote: Self.remote, delta: ["refs/tags/list"])
        #expect(Fixture.summary(delta) == ["delete refs/tags/list"])
        let full = Fixture.plan(config, local: "refs/heads/master=a", remote: Self.remote, delta: nil)
        #expect(full.updates.isEmpty, "a full sync never prunes without mirror")
        #expect(full.skipped.map(\.ref) == ["refs/tags/list"])
    }

    @Test func mirrorPrunesTagsButNeverPullRefs() {
        let plan = Fixture.plan(
            Self.github + "  mirror = true\n",
            local: "refs/heads/master=a",
            remote: Self.remote,
            delta: nil
        )
        #expect(Fixture.summary(plan) == ["delete refs/tags/list"])
        #expect(!plan.skipped.contains { $0.ref.hasPrefix("refs/pull/") })
    }

    @Test func everythingRefSpecWithNegativeKeepsPullRefs() {
        let config = "  push = +refs/*:refs/*\n  push = ^refs/pull/*\n  mirror = true\n"
        let plan = Fixture.plan(config, local: "refs/heads/master=a", remote: Self.remote, delta: nil)
        #expect(Fixture.summary(plan) == ["delete refs/tags/list"])
        #expect(plan.skipped.map(\.ref) == ["refs/pull/1/head", "refs/pull/1/merge"])
    }

    @Test func eventForAnUnmatchedRefIsReported() {
        let plan = Fixture.plan(Self.github, local: "refs/heads/master=a", remote: "", delta: ["refs/changes/01/1/1"])
        #expect(plan.updates.isEmpty)
        #expect(plan.skipped.first?.reason.contains("matches no push refspec") == true)
    }
}

struct PlannerRulesTests {
    /// Deletions made at the URL within `maxDeletionsWindow` count with the plan's own.
    @Test(arguments: [(0, nil as String?), (8, nil), (9, "with 9 deleted at this URL")])
    func recentDeletionsCountTowardsMaxDeletions(recent: Int, blocked: String?) {
        let planner = Fixture.planner("  push = +refs/heads/*:refs/heads/*\n  mirror = true\n  maxDeletions = 10\n")
        let plan = planner.planFullSync(
            local: Fixture.refs("refs/heads/main=a"),
            remote: Fixture.refs("refs/heads/main=a refs/heads/x=b refs/heads/y=c"),
            recentDeletions: recent
        )
        #expect(plan.updates.count == 2)
        if let blocked {
            #expect(plan.blocked?.contains(blocked) == true, "\(plan.blocked ?? "")")
        } else {
            #expect(plan.blocked == nil)
        }
    }

    /// An event for a patch set pushes the change's meta ref with it (Gerrit's stream reports them
    /// apart); a remote that does not take meta refs gets the patch set alone, and an event for
    /// another ref or a change without meta brings nothing else.
    @Test(arguments: [
        ("", ["refs/changes/01/1/1"], ["+create refs/changes/01/1/1", "+create refs/changes/01/1/meta"]),
        ("  replicateNoteDbMetaRefs = false\n", ["refs/changes/01/1/1"], ["+create refs/changes/01/1/1"]),
        ("", ["refs/changes/02/2/1"], ["+create refs/changes/02/2/1"]),
        ("", ["refs/heads/main"], ["+create refs/heads/main"]),
        ("", ["refs/changes/01/1/meta"], ["+create refs/changes/01/1/meta"]),
    ])
    func aPatchSetTravelsWithItsMeta(config: String, event: [String], expected: [String]) {
        let plan = Fixture.plan(
            "  push = +refs/heads/*:refs/heads/*\n  push = +refs/changes/*:refs/changes/*\n" + config,
            local: "refs/heads/main=a refs/changes/01/1/1=b refs/changes/01/1/meta=c refs/changes/02/2/1=d",
            remote: "",
            delta: event
        )
        #expect(Fixture.summary(plan) == expected)
    }

    @Test func neverDeletesRemoteHead() {
        let plan = Fixture.plan(
            "  push = +*:*\n  mirror = true\n",
            local: "refs/heads/a=a",
            remote: "HEAD=b refs/heads/a=a",
            delta: nil
        )
        #expect(plan.updates.isEmpty)
        #expect(plan.skipped.map(\.reason) == ["HEAD is never deleted"])
    }

    @Test func neverPushesLocalHeadAsARef() {
        let plan = Fixture.plan("  push = +*:*\n", local: "HEAD=a refs/heads/a=a", remote: "", delta: nil)
        #expect(Fixture.summary(plan) == ["+create refs/heads/a"])
        #expect(plan.skipped.map(\.ref) == ["HEAD"])
    }

    @Test func negativeRefSpecProtectsRemoteRefFromPruning() {
        let config = "  push = +refs/heads/*:refs/heads/*\n  push = ^refs/heads/secret\n  mirror = true\n"
        let plan = Fixture.plan(config, local: "", remote: "refs/heads/secret=a refs/heads/gone=b", delta: nil)
        #expect(Fixture.summary(plan) == ["delete refs/heads/gone"])
        #expect(plan.skipped.map(\.ref) == ["refs/heads/secret"])
    }

    @Test func cacheAutomergeIsNeverReplicatedNorDeleted() {
        let plan = Fixture.plan(
            "  mirror = true\n",
            local: "refs/cache-automerge/ab/cd=a",
            remote: "refs/cache-automerge/ef/01=b",
            delta: nil
        )
        #expect(plan.updates.isEmpty)
        #expect(plan.skipped.count == 2)
    }

    @Test func deltaDeletionKeepsARefStillFedByAnotherLocalRef() {
        let config = "  push = +refs/heads/*:refs/heads/*\n  push = +refs/tags/*:refs/heads/tags/*\n  mirror = true\n"
        let plan = Fixture.plan(
            config,
            local: "refs/tags/v1=a",
            remote: "refs/heads/tags/v1=a",
            delta: ["refs/heads/tags/v1"]
        )
        #expect(plan.updates.isEmpty)
        #expect(plan.skipped.first?.reason.contains("still pushed from local refs/tags/v1") == true)
    }

    @Test func deltaDeletionOfAnAbsentRefIsNothing() {
        let plan = Fixture.plan("  mirror = true\n", local: "", remote: "", delta: ["refs/heads/gone"])
        #expect(plan.updates.isEmpty && plan.skipped.isEmpty)
        #expect(plan.upToDate == 1)
    }

    @Test func deduplicatesEventRefs() {
        let plan = Fixture.plan("", local: "refs/heads/a=a", remote: "", delta: ["refs/heads/a", "refs/heads/a"])
        #expect(plan.updates.count == 1)
    }

    @Test func ordersPushesBeforeDeletes() {
        let plan = Fixture.plan("  mirror = true\n", local: "refs/heads/z=a", remote: "refs/heads/a=b", delta: nil)
        #expect(Fixture.summary(plan) == ["create refs/heads/z", "delete refs/heads/a"])
    }
}

struct MassDeletionGuardTests {
    private static let remote = "refs/heads/a=a refs/heads/b=b refs/heads/c=c"

    @Test(arguments: [
        ("  maxDeletions = 2\n", false, true),
        ("  maxDeletions = 2\n", true, false),
        ("  maxDeletions = 3\n", false, false),
        ("  maxDeletions = 0\n", false, false),
    ])
    func blocksFullSyncPruningAboveTheLimit(limit: String, allow: Bool, blocked: Bool) throws {
        let planner = Fixture.planner("  mirror = true\n" + limit)
        let plan = planner.planFullSync(local: [:], remote: Fixture.refs(Self.remote), allowMassDeletion: allow)
        #expect(plan.deletions.count == 3, "the plan still shows what would be deleted")
        #expect((plan.blocked != nil) == blocked)
        if blocked {
            #expect(try #require(plan.blocked).contains("would delete 3 refs, more than remote.r.maxDeletions = 2"))
        }
    }

    /// Event deletions are guarded too (finding: one POST naming 152 refs deleted 151).
    @Test(arguments: [false, true])
    func blocksDeltaDeletionsAboveTheLimitToo(allow: Bool) {
        let planner = Fixture.planner("  mirror = true\n  maxDeletions = 1\n")
        let remote = Fixture.refs(Self.remote)
        let plan = planner.planDelta(
            refs: ["refs/heads/a", "refs/heads/b"],
            local: [:],
            remote: remote,
            knownValues: Fixture.reported(["refs/heads/a", "refs/heads/b"], remote: remote),
            allowMassDeletion: allow
        )
        #expect(plan.deletions.count == 2)
        #expect((plan.blocked != nil) == !allow)
    }
}

struct DeltaDeletionProofTests {
    private static let config = "  push = +refs/heads/*:refs/heads/*\n  replicateDeletions = true\n"

    @Test func aRefTheSourceNeverHadIsNotDeletedByAnEvent() {
        let planner = Fixture.planner(Self.config)
        let plan = planner.planDelta(
            refs: ["refs/heads/mirror-only"],
            local: Fixture.refs("refs/heads/main=a"),
            remote: Fixture.refs("refs/heads/main=a refs/heads/mirror-only=b"),
            knownValues: [:]
        )
        #expect(plan.updates.isEmpty)
        #expect(plan.skipped.first?.reason.contains("not a value the source reported") == true)
    }

    @Test func aDeletionGoesThroughOnlyWhileTheMirrorHoldsAReportedValue() {
        let planner = Fixture.planner(Self.config)
        let remote = Fixture.refs("refs/heads/x=b")
        let b = String(repeating: "b", count: 40)
        let c = String(repeating: "c", count: 40)
        let proven = planner.planDelta(
            refs: ["refs/heads/x"],
            local: [:],
            remote: remote,
            knownValues: ["refs/heads/x": [c, b]]
        )
        #expect(Fixture.summary(proven) == ["delete refs/heads/x"])
        let moved = planner.planDelta(
            refs: ["refs/heads/x"],
            local: [:],
            remote: remote,
            knownValues: ["refs/heads/x": [c]]
        )
        #expect(moved.updates.isEmpty, "the mirror moved on since the event: not ours to delete")
    }
}

struct BatchingTests {
    @Test(arguments: [
        (0, [[0, 1, 2, 3, 4]]),
        (2, [[0, 1], [2, 3], [4]]),
        (1, [[0, 1], [2], [3], [4]]),  // a change and its meta ref stay together
        (10, [[0, 1, 2, 3, 4]]),
    ])
    func keepsChangeRefsTogether(size: Int, expected: [[Int]]) {
        let local = "refs/changes/01/1/1=a refs/changes/01/1/meta=b refs/heads/a=c refs/heads/b=d refs/heads/c=e"
        let plan = Fixture.plan("", local: local, remote: "", delta: nil)
        let order = plan.updates.map(\.destination)
        let batches = plan.batches(size: size).map { $0.map { order.firstIndex(of: $0.destination)! } }
        #expect(batches == expected)
    }
}

struct ObjectIDTests {
    @Test(arguments: [
        "0123456789abcdef0123456789abcdef01234567", "ffffffffffffffffffffffffffffffffffffffff",
        "0000000000000000000000000000000000000000",
    ])
    func roundTripsHex(hex: String) throws {
        let id = try #require(ObjectID(hex: hex))
        #expect(id.hex == hex)
        #expect(ObjectID(bytes: id.bytes) == id)
        #expect(id.isZero == (hex == String(repeating: "0", count: 40)))
    }

    @Test func foldsUpperCaseAndOrdersLikeHex() throws {
        let upper = try #require(ObjectID(hex: "ABCDEF0123456789ABCDEF0123456789ABCDEF01"))
        #expect(upper.hex == "abcdef0123456789abcdef0123456789abcdef01")
        #expect(try #require(ObjectID(hex: String(repeating: "1", count: 40))) < upper)
        #expect(upper.abbreviated() == "abcdef0")
    }

    @Test(arguments: ["", "abc", String(repeating: "g", count: 40), String(repeating: "a", count: 41)])
    func rejectsInvalidHex(hex: String) {
        #expect(ObjectID(hex: hex) == nil)
    }
}

struct PushReportCodingTests {
    @Test func roundTripsCompactly() throws {
        let planner = Fixture.planner("  mirror = true\n")
        let plan = planner.planFullSync(
            local: Fixture.refs("refs/heads/a=a refs/heads/b=b"),
            remote: Fixture.refs("refs/heads/c=c")
        )
        let statuses: [RefResult.Status] = [.ok, .rejected, .failed]
        let messages: [String?] = [nil, "hook declined", "failed to update ref"]
        let results = zip(plan.updates, zip(statuses, messages)).map {
            RefResult(update: $0, status: $1.0, message: $1.1)
        }
        var report = PushReport(
            plan: plan,
            results: results,
            serverMessages: "remote: hi",
            bytesSent: 42,
            createdRepository: true
        )
        report.updatedHead = "refs/heads/a"
        let data = try JSONEncoder().encode(report)
        let decoded = try JSONDecoder().decode(PushReport.self, from: data)
        #expect(decoded.results == report.results)
        #expect(decoded.plan == report.plan)
        #expect(decoded.serverMessages == "remote: hi" && decoded.bytesSent == 42 && decoded.createdRepository)
        #expect(decoded.updatedHead == "refs/heads/a")
        #expect(!String(decoding: data, as: UTF8.self).contains("\"update\""), "results do not repeat their updates")
    }
}
