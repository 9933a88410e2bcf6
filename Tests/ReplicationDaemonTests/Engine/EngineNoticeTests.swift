import ReplicationCore
import ReplicationDaemon
import ReplicationTestSupport
import Testing

/// When the engine says Gerrit's replication events: scheduled as pushes are queued, replicated
/// when a URL is done (a retried attempt says nothing), done once every URL is.
@Suite(.offThePool)
struct EngineNoticeTests {
    typealias State = EngineState<ManualClock.Instant>
    typealias Task = State.Queue.Task

    static let configuration = OneFile.configuration(
        """
        [remote "replica"]
          url = /a/${name}.git
          url = /b/${name}.git
          replicationDelay = 0
          replicationRetry = 1
          threads = 2
        """
    )
    static let ref = "refs/changes/01/1/1"

    static func at(_ seconds: Int) -> State.Now {
        State.Now(ManualClock.Instant(offset: .seconds(seconds)), wall: 1_700_000_000 + Double(seconds))
    }

    static func notices(_ actions: [State.Action]) -> [ReplicationNotice] {
        actions.flatMap { action -> [ReplicationNotice] in
            guard case .apply(let writes) = action else { return [] }
            return writes.flatMap { write -> [ReplicationNotice] in
                if case .notices(let notices) = write { notices } else { [] }
            }
        }
    }

    static func started(_ actions: [State.Action]) -> [Task] {
        actions.compactMap { if case .recordPushStart(let task) = $0 { task } else { nil } }
    }

    static func succeeded(_ ref: String) -> PushOutcome {
        let id = ObjectID(hex: String(repeating: "a", count: 40))
        let update = RefUpdate(action: .create, source: ref, destination: ref, oldID: nil, newID: id, isForced: true)
        let plan = UpdatePlan(mode: .delta, updates: [update], skipped: [], blocked: nil, upToDate: 0)
        return PushOutcome(report: PushReport(plan: plan, results: [RefResult(update: update, status: .ok)]))
    }

    static let networkDown = PushOutcome(error: .init(code: .network, message: "connection refused"))

    /// Claims one change's event; returns its two pushes, started.
    static func schedule(_ state: inout State) -> (actions: [State.Action], tasks: [Task]) {
        _ = state.poll(now: Self.at(0))
        let event = StoredEvent(id: 1, event: .refUpdated(project: "p", refs: [Self.ref]), storedAt: 1_700_000_000)
        let actions = state.claimed([event], now: Self.at(0)) { _, _ in true }
        let tasks = Self.started(actions)
        for task in tasks { _ = state.pushStartRecorded(task, held: true, now: Self.at(0)) }
        return (actions, tasks)
    }

    @Test func scheduledThenReplicatedPerURLThenDoneAfterTheRetry() throws {
        var state = State(configuration: Self.configuration, options: EngineOptions(), now: Self.at(0))
        let (actions, tasks) = Self.schedule(&state)
        let scheduled = Self.notices(actions)
        #expect(scheduled.map(\.type) == [.refReplicationScheduled, .refReplicationScheduled])
        #expect(Set(scheduled.compactMap(\.targetUri)) == ["/a/p.git", "/b/p.git"])
        #expect(scheduled.allSatisfy { $0.ref == Self.ref && $0.project == "p" && $0.eventCreatedOn == 1_700_000_000 })
        let firstPublish = try #require(actions.firstIndex { !Self.notices([$0]).isEmpty })
        let firstStart = try #require(actions.firstIndex { if case .recordPushStart = $0 { true } else { false } })
        #expect(firstPublish < firstStart, "scheduled before any push can report")
        #expect(tasks.count == 2)

        // One URL fails and is retried: nothing said for it yet. The other is done.
        let failing = try #require(tasks.first { $0.target.url == "/a/p.git" })
        let working = try #require(tasks.first { $0.target.url == "/b/p.git" })
        #expect(Self.notices(state.pushFinished(failing, outcome: Self.networkDown, now: Self.at(1))).isEmpty)
        let replicated = Self.notices(state.pushFinished(working, outcome: Self.succeeded(Self.ref), now: Self.at(2)))
        #expect(replicated.map(\.type) == [.refReplicated])
        #expect(replicated.first?.targetUri == "/b/p.git" && replicated.first?.status == .succeeded)
        #expect(replicated.first?.refStatus == .ok && replicated.first?.eventCreatedOn == 1_700_000_002)

        // The retry succeeds: its ref-replicated, then done for both nodes.
        _ = state.poll(now: Self.at(70))
        let retried = try #require(Self.started(state.claimed([], now: Self.at(70)) { _, _ in true }).first)
        _ = state.pushStartRecorded(retried, held: true, now: Self.at(70))
        let last = Self.notices(state.pushFinished(retried, outcome: Self.succeeded(Self.ref), now: Self.at(71)))
        #expect(last.map(\.type) == [.refReplicated, .refReplicationDone])
        #expect(last.first?.targetUri == "/a/p.git")
        #expect(last.last?.ref == Self.ref && last.last?.nodesCount == 2)
    }

    @Test func aReloadPlansAgainWithoutSchedulingAgain() {
        var state = State(configuration: Self.configuration, options: EngineOptions(), now: Self.at(0))
        _ = Self.schedule(&state)
        let tick = state.tick(now: Self.at(1))
        #expect(tick.contains { if case .checkConfiguration = $0 { true } else { false } })
        let reload = state.configurationChecked(Self.configuration, rejected: nil, now: Self.at(1))
        #expect(reload.contains { if case .readHeldEvents = $0 { true } else { false } })
        let held = StoredEvent(id: 1, event: .refUpdated(project: "p", refs: [Self.ref]), storedAt: 1_700_000_000)
        let replanned = state.replan([held], now: Self.at(1)) { _, _ in true }
        #expect(Self.notices(replanned).isEmpty, "\(replanned)")
    }

    @Test func aProjectDeletionIsScheduledSucceedsOrFailsPerURLAndIsDone() throws {
        var state = State(
            configuration: OneFile.configuration(
                """
                [remote "replica"]
                  url = /a/${name}.git
                  replicationDelay = 0
                  replicateProjectDeletions = true
                """
            ),
            options: EngineOptions(),
            now: Self.at(0)
        )
        _ = state.poll(now: Self.at(0))
        let event = StoredEvent(
            id: 7,
            event: ReplicationEvent(kind: .projectDeleted, project: "gone"),
            storedAt: 1_700_000_000
        )
        let actions = state.claimed([event], now: Self.at(0)) { _, _ in true }
        #expect(Self.notices(actions).map(\.type) == [.projectDeletionReplicationScheduled])
        let task = try #require(Self.started(actions).first)
        _ = state.pushStartRecorded(task, held: true, now: Self.at(0))
        var outcome = PushOutcome()
        outcome.deletedRepository = true
        let done = Self.notices(state.pushFinished(task, outcome: outcome, now: Self.at(1)))
        #expect(done.map(\.type) == [.projectDeletionReplicationSucceeded, .projectDeletionReplicationDone])
        #expect(done.first?.targetNode == "/a/gone.git" && done.last?.targetNode == nil)
    }

    @Test func anEngineThatPublishesNoNoticesSaysNothing() {
        var options = EngineOptions()
        options.publishesNotices = false
        var state = State(configuration: Self.configuration, options: options, now: Self.at(0))
        let (actions, tasks) = Self.schedule(&state)
        let finished = tasks.flatMap { state.pushFinished($0, outcome: Self.succeeded(Self.ref), now: Self.at(1)) }
        #expect(Self.notices(actions + finished).isEmpty)
    }
}
