import PropertyBased
import Testing

@testable import ReplicationCore

/// The full-sync planner walks two sorted tables side by side. These checks hold it to the planner
/// it replaced, which looked every ref up in a dictionary (``LookupPlanner``, kept here as the
/// oracle), on random refs under refspecs that overlap, rename, exclude and force.
struct MergePlannerTests {
    static let configurations = [
        "  push = +refs/*:refs/*\n  mirror = true\n",
        "  push = refs/heads/*:refs/heads/*\n  push = +refs/tags/*:refs/tags/*\n",
        "  push = +refs/heads/*:refs/heads/mirror/*\n  push = refs/heads/*:refs/heads/*\n  mirror = true\n",
        "  push = +refs/*:refs/*\n  push = ^refs/heads/wip/*\n  mirror = true\n  replicatePermissions = false\n",
        "  push = refs/heads/main:refs/heads/trunk\n  push = +refs/heads/*:refs/heads/*\n  mirror = true\n",
        "  push = +refs/heads/*:refs/*\n  push = +refs/tags/*:refs/tags/*\n  mirror = true\n",
        "  push = +refs/changes/*:refs/changes/*\n  replicateDeletions = true\n  excludedRefsPattern = refs/changes/.*/meta\n",
        "  push = +refs/heads/*:refs/remotes/origin/*\n  push = +refs/*:refs/*\n  mirror = true\n",
    ]
    static let names = [
        "HEAD", "refs/heads/main", "refs/heads/trunk", "refs/heads/wip/a", "refs/heads/mirror/main", "refs/heads/b",
        "refs/tags/v1", "refs/tags/v2", "refs/meta/config", "refs/changes/01/1/1", "refs/changes/01/1/meta",
        "refs/pull/1/head", "refs/remotes/origin/main", "refs/main", "refs/b", "refs/cache-automerge/01/x",
    ]

    static func planner(_ lines: String) -> UpdatePlanner {
        let configuration = ReplicationConfiguration.parse("[remote \"r\"]\n  url = /m/${name}.git\n" + lines)
        precondition(configuration.isUsable, "\(configuration.errors)")
        return UpdatePlanner(remote: configuration.remotes[0])
    }

    static func refs(_ entries: [(String?, Int)]) -> [String: ObjectID] {
        var refs: [String: ObjectID] = [:]
        for (name, value) in entries { refs[name!] = ObjectID(hex: String(repeating: "\(value)", count: 40))! }
        return refs
    }

    @Test func plansWhatTheLookupPlannerPlanned() async {
        let side = zip(Gen.element(of: Self.names), Gen.int(in: 1...3)).array(of: 0...10)
        await propertyCheck(count: 400, input: Gen.element(of: Self.configurations), side, side) {
            lines,
            local,
            remote in
            let planner = Self.planner(lines!)
            let (local, remote) = (Self.refs(local), Self.refs(remote))
            let merged = planner.planFullSync(local: RefTable(local), remote: RefTable(remote))
            let oracle = LookupPlanner(planner: planner).planFullSync(local: local, remote: remote)
            #expect(Self.normalized(merged) == Self.normalized(oracle), "\(lines!) local \(local) remote \(remote)")
        }
    }

    /// The same on a thousand refs a side, where the cursor gallops and falls back.
    @Test func plansLargeTablesAsTheLookupPlannerDid() {
        var random = Xorshift(seed: 7)
        for lines in Self.configurations {
            var local: [String: ObjectID] = [:]
            var remote: [String: ObjectID] = [:]
            for number in 0..<1_000 {
                let prefix = Self.names[random.next(Self.names.count)]
                let name = prefix == "HEAD" ? "HEAD" : "\(prefix)/\(number % 97)"
                let id = ObjectID(hex: String(repeating: "\(1 + random.next(3))", count: 40))!
                if random.next(4) > 0 { local[name] = id }
                if random.next(4) > 0 {
                    remote[name] = random.next(5) == 0 ? ObjectID(hex: String(repeating: "9", count: 40))! : id
                }
            }
            let planner = Self.planner(lines)
            let merged = planner.planFullSync(local: RefTable(local), remote: RefTable(remote))
            let oracle = LookupPlanner(planner: planner).planFullSync(local: local, remote: remote)
            #expect(Self.normalized(merged) == Self.normalized(oracle), "\(lines)")
            #expect(merged.updates.count > 0)
        }
    }

    /// Updates by destination then source (two sources may feed one destination; their order was
    /// the dictionary's), skipped refs as given.
    static func normalized(_ plan: UpdatePlan) -> [String] {
        let updates = plan.updates.map {
            "\($0.action) \($0.source ?? "-") \($0.destination) \($0.oldID?.hex ?? "-") \($0.newID?.hex ?? "-") \($0.isForced) \($0.reason ?? "")"
        }
        let skipped = plan.skipped.map { "skip \($0.ref) \($0.reason)" }
        return updates.sorted() + skipped.sorted() + ["upToDate \(plan.upToDate)", "held \(plan.blocked != nil)"]
    }
}

/// A tiny seeded generator (the core tests do not link the test-support target).
struct Xorshift {
    var state: UInt64
    init(seed: UInt64) { self.state = seed | 1 }
    mutating func next(_ bound: Int) -> Int {
        self.state ^= self.state << 13
        self.state ^= self.state >> 7
        self.state ^= self.state << 17
        return Int(self.state % UInt64(bound))
    }
}

/// The full-sync planner as it was before the merge: every ref of one side looked up in a
/// dictionary of the other, for a remote that sees every ref. Kept as the oracle for
/// ``MergePlannerTests``.
struct LookupPlanner {
    let planner: UpdatePlanner

    func planFullSync(local: [String: ObjectID], remote: [String: ObjectID]) -> UpdatePlan {
        var plan = PlanBuilder(mode: .full)
        for (name, id) in local { self.planPush(of: name, id: id, remote: remote, into: &plan) }
        for (name, id) in remote { self.planPrune(of: name, id: id, local: local, into: &plan) }
        let maximum = self.planner.maxDeletions
        return plan.build(blocked: maximum > 0 && plan.deletions.count > maximum ? "held" : nil)
    }

    private func planPush(of name: String, id: ObjectID, remote: [String: ObjectID], into plan: inout PlanBuilder) {
        let planner = self.planner
        guard let mapping = planner.refSpecs.mapping(forSource: name) else {
            if let negative = planner.refSpecs.all.first(where: { $0.isNegative && $0.matchesSource(name) }) {
                plan.skip(name, "excluded by negative refspec '\(negative)'")
            }
            return
        }
        if name == "HEAD" {
            plan.skip(name, "HEAD is not pushed as a ref; it follows the source repository's HEAD")
            return
        }
        if let reason = planner.policy.exclusion(of: name) {
            plan.skip(name, reason)
            return
        }
        let old = remote[mapping.destination]
        guard old != id else {
            plan.upToDate += 1
            return
        }
        plan.add(
            RefUpdate(
                action: old == nil ? .create : .update,
                source: name,
                destination: mapping.destination,
                oldID: old,
                newID: id,
                isForced: mapping.isForced
            )
        )
    }

    private func planPrune(
        of destination: String,
        id: ObjectID,
        local: [String: ObjectID],
        into plan: inout PlanBuilder
    ) {
        let planner = self.planner
        guard let mapping = planner.refSpecs.mapping(forDestination: destination),
            planner.refSpecs.firstSource(feeding: destination, where: { local[$0] != nil }) == nil
        else { return }
        if let reason = planner.deletionProtection(of: destination, mappedFrom: mapping.source) {
            plan.skip(destination, reason)
        } else if planner.isMirror {
            plan.add(.deletion(of: destination, at: id, isForced: mapping.isForced))
        } else {
            plan.skip(destination, "exists only on the remote; full syncs prune only with mirror = true")
        }
    }
}

/// An event's push reads only the local refs ``UpdatePlanner/localRefsRead(byDeltaOf:)`` names:
/// its plan must be the plan from every local ref.
struct DeltaReadTests {
    @Test func aDeltaPlanFromTheRefsItReadsEqualsThePlanFromAll() async {
        let side = zip(Gen.element(of: MergePlannerTests.names), Gen.int(in: 1...3)).array(of: 0...10)
        let events = Gen.element(of: MergePlannerTests.names).array(of: 1...4)
        await propertyCheck(count: 400, input: Gen.element(of: MergePlannerTests.configurations), side, side, events) {
            lines,
            local,
            remote,
            events in
            let planner = MergePlannerTests.planner(lines!)
            let (local, remote) = (MergePlannerTests.refs(local), MergePlannerTests.refs(remote))
            let refs = events.map { $0! }
            let known = Dictionary(uniqueKeysWithValues: Set(refs).map { ($0, Set(remote.values.map(\.hex))) })
            let read = planner.localRefsRead(byDeltaOf: refs)
            let full = planner.planDelta(
                refs: refs,
                local: RefTable(local),
                remote: RefTable(remote),
                knownValues: known
            )
            let partial = planner.planDelta(
                refs: refs,
                local: RefTable(local.filter { read.contains($0.key) }),
                remote: RefTable(remote),
                knownValues: known
            )
            #expect(partial == full, "\(lines!) events \(refs) local \(local) remote \(remote)")
        }
    }
}
