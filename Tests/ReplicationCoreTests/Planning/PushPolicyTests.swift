import ReplicationCore
import Testing

/// Each project-level decision of a push, on its own; `PushJobRun` carries them out (its end-to-end
/// tests push to real repositories).
struct PushPolicyTests {
    static let configuration = EventExpansionTests.configuration(
        """
        [remote "mirror"]
          url = /m/${name}.git
          push = +refs/*:refs/*
          mirror = true
        [remote "nocreate"]
          url = /n/${name}.git
          createMissingRepositories = false
        [remote "admin"]
          url = https://h/${name}.git
          adminUrl = ssh://admin@h/srv/${name}.git
        [remote "secret"]
          url = /s/${name}.git
          authGroup = Mirrors
        """
    )
    static let (a, b) = (
        ObjectID(hex: String(repeating: "a", count: 40))!, ObjectID(hex: String(repeating: "b", count: 40))!
    )
    static let hidden = ProjectVisibility.unreadable(state: .active, "authGroup Mirrors names no group of this site")

    static func policy(_ work: PushWork, remote: String = "mirror") -> PushPolicy {
        PushPolicy(work: work, remote: Self.configuration.remote(named: remote)!)
    }

    static func url(_ text: String) -> RemoteURL { try! RemoteURL(parsing: text) }

    @Test func aMirrorIsDeletedOnlyWhileItsSourceIsGone() {
        let deletion = Self.policy(PushWork(deleteProject: true))
        #expect(deletion.deletion(sourceExists: false, sourcePath: "/git/p.git") == .delete)
        #expect(
            deletion.deletion(sourceExists: true, sourcePath: "/git/p.git")
                == .refuse("not deleted: the source repository /git/p.git exists (again)")
        )
        #expect(Self.policy(PushWork(fullSync: true)).deletion(sourceExists: false, sourcePath: "/x") == .none)
        #expect(!deletion.needsSource, "a deletion alone reads no source")
    }

    @Test func theSourceIsReadOnlyAsFarAsThePlanLooks() {
        #expect(Self.policy(PushWork(fullSync: true)).sourceRefs == nil, "a full sync reads every ref")
        let delta = Self.policy(PushWork(refs: ["refs/changes/45/12345/1"]))
        #expect(delta.sourceRefs?.contains("refs/changes/45/12345/1") == true)
        #expect(delta.sourceRefs?.contains("refs/changes/45/12345/meta") == true, "the change's meta ref decides it")
        #expect(Self.policy(PushWork(refs: ["refs/heads/m"]), remote: "secret").sourceRefs == nil, "authGroup sees all")
        let headOnly = Self.policy(PushWork(updateHead: true))
        #expect(headOnly.needsSource && !headOnly.pushesRefs)
    }

    @Test func aFullSyncPlansDeletionsAndADeltaOnlyItsProvenRefs() {
        let planner = UpdatePlanner(remote: Self.configuration.remote(named: "mirror")!)
        let local: RefTable = ["refs/heads/main": Self.a]
        let advertised: RefTable = ["refs/heads/main": Self.b, "refs/heads/gone": Self.b]
        let full = Self.policy(PushWork(fullSync: true)).plan(with: planner, local: local, advertised: advertised)
        #expect(full.mode == .full)
        #expect(Set(full.updates.map(\.destination)) == ["refs/heads/main", "refs/heads/gone"])
        let delta = Self.policy(PushWork(refs: ["refs/heads/main"])).plan(
            with: planner,
            local: local,
            advertised: advertised
        )
        #expect(delta.mode == .delta && delta.updates.map(\.destination) == ["refs/heads/main"])
        let unproven = Self.policy(PushWork(refs: ["refs/heads/gone"])).plan(
            with: planner,
            local: local,
            advertised: advertised
        )
        #expect(unproven.updates.isEmpty && unproven.skipped.first?.kind == .unprovenDeletion)
    }

    @Test func aMissingMirrorIsCreatedOnlyWhereThatIsPossibleAndAllowed() {
        let work = PushWork(fullSync: true)
        let visible = ProjectVisibility.unrestricted
        let ssh = Self.url("ssh://h/srv/p.git")
        #expect(Self.policy(work).missingMirror(at: ssh, visibility: visible, isVisible: true) == .createAndPushAgain)
        #expect(
            Self.policy(work, remote: "nocreate").missingMirror(at: ssh, visibility: visible, isVisible: true) == .fail
        )
        let https = Self.url("https://h/p.git")
        #expect(Self.policy(work).missingMirror(at: https, visibility: visible, isVisible: true) == .fail)
        #expect(
            Self.policy(work, remote: "admin").missingMirror(at: https, visibility: visible, isVisible: true)
                == .createAndPushAgain
        )
        #expect(
            Self.policy(work).missingMirror(at: Self.url("/m/p.git"), visibility: visible, isVisible: true) == .fail
        )
    }

    @Test func aMirrorNothingMayBeSeenOfIsNeverCreated() {
        let decision = Self.policy(PushWork(refs: ["refs/heads/m"]), remote: "secret").missingMirror(
            at: Self.url("ssh://h/srv/p.git"),
            visibility: Self.hidden,
            isVisible: false
        )
        guard case .skip(let plan) = decision else {
            Issue.record("\(decision)")
            return
        }
        #expect(plan.mode == .delta && plan.updates.isEmpty)
        #expect(plan.skipped == [SkippedRef(ref: "HEAD", reason: Self.hidden.notCreatedReason)])
    }

    @Test func headFollowsAFullSyncOrAHeadEventOnlyWhenNothingElseSetIt() {
        let full = Self.policy(PushWork(fullSync: true))
        let head = "refs/heads/main"
        #expect(full.headUpdate(headTarget: head, isVisible: true, created: false, pushFailed: false) == head)
        #expect(full.headUpdate(headTarget: head, isVisible: true, created: true, pushFailed: false) == nil)
        #expect(full.headUpdate(headTarget: head, isVisible: true, created: false, pushFailed: true) == nil)
        #expect(full.headUpdate(headTarget: head, isVisible: false, created: false, pushFailed: false) == nil)
        #expect(full.headUpdate(headTarget: nil, isVisible: true, created: false, pushFailed: false) == nil)
        let delta = Self.policy(PushWork(refs: [head]))
        #expect(delta.headUpdate(headTarget: head, isVisible: true, created: false, pushFailed: false) == nil)
        let event = Self.policy(PushWork(updateHead: true))
        #expect(event.headUpdate(headTarget: head, isVisible: true, created: false, pushFailed: false) == head)
    }
}
