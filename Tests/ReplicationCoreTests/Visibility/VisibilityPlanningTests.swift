import ReplicationCore
import Testing

/// What the planner does with refs and projects the remote's authGroup may not see.
struct VisibilityPlanningTests {
    static let site = """
        [access "refs/*"]
          read = group mediawiki-replication
        [access "refs/heads/secret/*"]
          read = block group mediawiki-replication
        """

    static func planner(_ lines: String, state: ProjectAccess.State = .active, authGroup: Bool = true) throws
        -> UpdatePlanner
    {
        let configuration = ReplicationConfiguration.parse(
            "[remote \"r\"]\n  url = /m/${name}.git\n  push = +refs/*:refs/*\n" + lines
        )
        let groups = GerritGroups(parsing: "uuid-repl\tmediawiki-replication\n")
        let access = try ProjectAccess(projectConfig: Self.site, groups: groups, file: "project.config")
        let read = ReadAccess(chain: [.init(project: "All-Projects", access: access)], groups: ["uuid-repl"])
        return UpdatePlanner(
            remote: configuration.remotes[0],
            visibility: ProjectVisibility(state: state, read: authGroup ? read : nil)
        )
    }

    static let main = ObjectID(hex: String(repeating: "a", count: 40))!
    static let secret = ObjectID(hex: String(repeating: "b", count: 40))!
    static let local = ["refs/heads/main": main, "refs/heads/secret/plan": secret]

    @Test func aRefTheGroupMayNotReadIsNeverPushed() throws {
        let plan = try Self.planner("").planFullSync(local: Self.local, remote: [:])
        #expect(plan.updates.map(\.destination) == ["refs/heads/main"])
        #expect(plan.skipped.map(\.ref) == ["refs/heads/secret/plan"])
        #expect(plan.skipped.first?.reason.hasPrefix("not visible to authGroup: blocked by") == true)
        let delta = try Self.planner("").planDelta(refs: ["refs/heads/secret/plan"], local: Self.local, remote: [:])
        #expect(delta.updates.isEmpty && delta.skipped.count == 1)
    }

    @Test(arguments: [("mirror = true", true), ("replicateDeletions = true", true), ("", false)])
    func aCopyThatIsNoLongerVisibleIsDeletedWhereDeletionsPropagate(line: String, deletes: Bool) throws {
        let remote = Self.local
        let planner = try Self.planner("  \(line)\n")
        for plan in [
            planner.planFullSync(local: Self.local, remote: remote),
            planner.planDelta(refs: ["refs/heads/secret/plan"], local: Self.local, remote: remote),
        ] {
            let deletion = plan.updates.first { $0.action == .delete }
            #expect((deletion?.destination == "refs/heads/secret/plan") == deletes, "\(plan)")
            #expect(deletion.map { $0.reason?.hasPrefix("no longer visible") == true } ?? true)
            if !deletes {
                #expect(plan.skipped.contains { $0.reason.contains("left on the remote") }, "\(plan)")
            }
            #expect(!plan.updates.contains { $0.destination == "refs/heads/main" }, "main is up to date")
        }
    }

    @Test func noLongerVisibleDeletionsAreHeldByTheMassDeletionGuard() throws {
        var local: [String: ObjectID] = [:]
        for index in 0..<5 { local["refs/heads/secret/\(index)"] = Self.secret }
        let plan = try Self.planner("  mirror = true\n  maxDeletions = 3\n").planFullSync(local: local, remote: local)
        #expect(plan.deletions.count == 5)
        #expect(plan.blocked?.contains("maxDeletions = 3") == true)
    }

    @Test func withoutAuthGroupEverythingIsVisible() throws {
        let plan = try Self.planner("", authGroup: false).planFullSync(local: Self.local, remote: [:])
        #expect(plan.updates.count == 2 && plan.skipped.isEmpty)
    }

    @Test func aHiddenProjectIsReplicatedOnlyWithReplicateHiddenProjects() throws {
        let skipped = try Self.planner("", state: .hidden).projectSkip(headTarget: "refs/heads/main", mode: .full)
        #expect(skipped?.skipped.first?.reason.contains("replicateHiddenProjects = false") == true)
        let unrestricted = try Self.planner("", state: .hidden, authGroup: false)
        #expect(unrestricted.projectSkip(headTarget: "refs/heads/main", mode: .full) != nil, "whatever authGroup says")
        let allowed = try Self.planner("  replicateHiddenProjects = true\n", state: .hidden, authGroup: false)
        #expect(allowed.projectSkip(headTarget: "refs/heads/main", mode: .full) == nil)
        // With authGroup, Gerrit also asks for READ_CONFIG (refs/meta/config readable).
        let restricted = try Self.planner("  replicateHiddenProjects = true\n", state: .hidden)
        #expect(restricted.projectSkip(headTarget: "refs/heads/main", mode: .full) == nil)
    }

    @Test func aProjectWithNoReadableRefIsNotVisible() throws {
        let visibility = try Self.planner("").visibility
        #expect(visibility.isVisible(refs: ["HEAD", "refs/heads/main"]))
        #expect(!visibility.isVisible(refs: ["HEAD", "refs/heads/secret/plan"]))
        #expect(!visibility.isVisible(refs: []))
    }
}
