import Foundation
import ReplicationCore
import Testing

/// What the reconcile queues for a drift, and that the planner turns it into exactly the repair.
struct DriftRepairTests {
    typealias Fixture = DriftScopeTests

    static let local = [
        "refs/heads/main": Fixture.id("c"), "refs/heads/dev": Fixture.id("d"),
        "refs/heads/release/1": Fixture.id("d"), "refs/tags/v2": Fixture.id("b"),
    ]
    static let remote = [
        "refs/heads/main": Fixture.id("a"), "refs/heads/dev": Fixture.id("e"),
        "refs/heads/release/1": Fixture.id("e"), "refs/heads/intruder": Fixture.id("a"),
        "refs/tags/gone": Fixture.id("a"), "refs/pull/1/head": Fixture.id("e"),
    ]

    static func repair(_ lines: String) -> (DriftRepair, MirrorDrift) {
        let drift = Fixture.compare(lines, local: Self.local, remote: Self.remote)
        return (DriftRepair(drift, remote: Fixture.remote(lines)), drift)
    }

    @Test func aMirrorGetsExactlyTheDifferingRefsAndDivergedNonForcedRefsAreOnlyReported() {
        let (repair, _) = Self.repair(Fixture.github)
        #expect(
            repair.refs.sorted() == [
                "refs/heads/dev", "refs/heads/intruder", "refs/heads/main", "refs/tags/gone", "refs/tags/v2",
            ]
        )
        #expect(
            repair.knownValues == [
                "refs/heads/intruder": [Fixture.id("a").hex], "refs/tags/gone": [Fixture.id("a").hex],
            ]
        )
        #expect(repair.reported.map(\.drift.ref) == ["refs/heads/release/1"])
        #expect(repair.reported.first?.reason.contains("non-forced") == true)
    }

    @Test func withoutMirrorExtraRefsStay() {
        let lines = Fixture.github.replacingOccurrences(of: "mirror = true", with: "replicateDeletions = true")
        let (repair, _) = Self.repair(lines)
        #expect(repair.refs.sorted() == ["refs/heads/dev", "refs/heads/main", "refs/tags/v2"])
        #expect(
            Set(repair.reported.map(\.drift.ref)) == ["refs/heads/intruder", "refs/heads/release/1", "refs/tags/gone"]
        )
    }

    @Test func theEventNamesOneURLAndThePlannerCarriesOutTheRepair() throws {
        let (repair, _) = Self.repair(Fixture.github)
        let event = try #require(repair.event(project: "p", remote: "r", url: "/m/p.git"))
        #expect(event.kind == .refUpdated && event.remotes == ["r"] && event.urls == ["/m/p.git"])
        let configuration = ReplicationConfiguration.parse(
            "[remote \"r\"]\n  url = /m/${name}.git\n  url = /n/${name}.git\n" + Fixture.github
                + "[remote \"other\"]\n  url = /o/${name}.git\n"
        )
        let targets = EventExpansion(configuration: configuration).targets(of: event)
        #expect(targets.map(\.target.url) == ["/m/p.git"])
        let work = try #require(targets.first?.work)
        #expect(!work.fullSync)
        let plan = UpdatePlanner(remote: configuration.remotes[0]).planDelta(
            refs: work.refs.sorted(),
            local: Self.local,
            remote: Self.remote,
            knownValues: work.knownValues
        )
        #expect(
            plan.updates.map { "\($0.action) \($0.destination)" }.sorted() == [
                "create refs/tags/v2", "delete refs/heads/intruder", "delete refs/tags/gone", "update refs/heads/dev",
                "update refs/heads/main",
            ]
        )
        // Applied, the mirror differs only where the repair said it would not go.
        var mirror = Self.remote
        for update in plan.updates { mirror[update.destination] = update.newID }
        let after = Fixture.compare(Fixture.github, local: Self.local, remote: mirror)
        #expect(after.differences.map(\.ref) == ["refs/heads/release/1"])
        #expect(mirror["refs/pull/1/head"] == Fixture.id("e"))
    }

    @Test func aMirrorThatChangedAgainBeforeThePushIsNotDeleted() {
        let (repair, _) = Self.repair(Fixture.github)
        var mirror = Self.remote
        mirror["refs/tags/gone"] = Fixture.id("b")  // someone re-pointed it after the verify
        let plan = UpdatePlanner(remote: Fixture.remote(Fixture.github)).planDelta(
            refs: repair.refs,
            local: Self.local,
            remote: mirror,
            knownValues: repair.knownValues.mapValues(Set.init)
        )
        #expect(!plan.updates.contains { $0.destination == "refs/tags/gone" })
    }

    @Test func theMassDeletionGuardHoldsARepairWithTooManyDeletions() {
        let lines = Fixture.github + "  maxDeletions = 1\n"
        let (repair, _) = Self.repair(lines)
        let plan = UpdatePlanner(remote: Fixture.remote(lines)).planDelta(
            refs: repair.refs,
            local: Self.local,
            remote: Self.remote,
            knownValues: repair.knownValues.mapValues(Set.init)
        )
        #expect(plan.blocked?.contains("maxDeletions") == true)
    }
}
