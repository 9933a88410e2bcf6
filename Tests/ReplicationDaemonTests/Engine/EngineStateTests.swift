import Logging
import ReplicationCore
import ReplicationDaemon
import ReplicationTestSupport
import Testing

/// The engine's decisions alone: inputs in, actions out, at instants the test chooses.
@Suite(.offThePool)
struct EngineStateTests {
    typealias State = EngineState<ManualClock.Instant>

    static let configuration = OneFile.configuration(
        "[remote \"a\"]\n  url = /m/${name}.git\n  replicationDelay = 2\n  drainQueueAttempts = 1\n"
    )

    static func at(_ seconds: Int) -> State.Now {
        State.Now(ManualClock.Instant(offset: .seconds(seconds)), wall: 1_000_000 + Double(seconds))
    }

    static func events(_ count: Int, from first: Int64 = 1, project: (Int64) -> String = { "p\($0)" }) -> [StoredEvent]
    {
        (first..<first + Int64(count)).map { id in
            StoredEvent(
                id: id,
                event: .refUpdated(project: project(id), refs: ["refs/heads/main"]),
                storedAt: 1_000_000
            )
        }
    }

    static func claims(_ actions: [State.Action]) -> Int {
        actions.filter { if case .claimEvents = $0 { true } else { false } }.count
    }

    static func writes(_ actions: [State.Action]) -> [StoreWrite] {
        actions.flatMap { action -> [StoreWrite] in
            guard case .apply(let writes) = action else { return [] }
            return writes
        }
    }

    static func readsAgain(_ actions: [State.Action]) -> Bool {
        actions.contains { if case .readAgain = $0 { true } else { false } }
    }

    @Test func aBacklogIsReadInSlicesAndTheRestAfterOtherInputs() {
        var state = State(configuration: Self.configuration, options: EngineOptions(), now: Self.at(0))
        #expect(Self.claims(state.poll(now: Self.at(0))) == 1)
        var actions: [State.Action] = []
        for slice in 0..<State.claimsPerRead {
            let first = Int64(slice * State.claimBatch) + 1
            actions = state.claimed(Self.events(State.claimBatch, from: first), now: Self.at(0)) { _, _ in true }
            let last = slice == State.claimsPerRead - 1
            #expect(Self.claims(actions) == (last ? 0 : 1), "slice \(slice)")
            #expect(Self.readsAgain(actions) == last)
        }
        #expect(state.pendingEvents == State.claimBatch * State.claimsPerRead)
        _ = state.poll(now: Self.at(1))
        let partial = state.claimed(Self.events(3, from: 5_000), now: Self.at(1)) { _, _ in true }
        #expect(Self.claims(partial) == 0 && !Self.readsAgain(partial), "a short slice ends the read")
    }

    @Test func eventsForNoRemoteAreCompletedAtOnce() {
        var state = State(configuration: Self.configuration, options: EngineOptions(), now: Self.at(0))
        _ = state.poll(now: Self.at(0))
        let actions = state.claimed(Self.events(2), now: Self.at(0)) { _, project in project != "p1" }
        let completed = Self.writes(actions).compactMap { if case .completed(let ids) = $0 { ids } else { nil } }
        #expect(completed == [[1]])
        #expect(state.pendingEvents == 1)
    }

    @Test func aDrainStartsWhatIsDueWithinItAndEndsOnTime() {
        var options = EngineOptions()
        options.drainTimeout = .seconds(10)
        var state = State(configuration: Self.configuration, options: options, now: Self.at(0))
        _ = state.poll(now: Self.at(0))
        _ = state.claimed(Self.events(1), now: Self.at(0)) { _, _ in true }
        _ = state.beginShutdown(now: Self.at(1).instant)
        #expect(!state.isFinished(at: Self.at(1).instant), "a push due at 2 s falls within the 2 s drain")
        let due = state.poll(now: Self.at(2))
        guard case .recordPushStart(let task) = due.first else {
            Issue.record("expected the due push to start: \(due)")
            return
        }
        #expect(
            state.pushStartRecorded(task, held: true, now: Self.at(2)).contains {
                if case .runPush = $0 { true } else { false }
            }
        )
        #expect(!state.drainTimedOut(at: Self.at(12).instant))
        #expect(state.drainTimedOut(at: Self.at(13).instant), "drain (2 s) + drainTimeout (10 s) after shutdown at 1 s")
        _ = state.pushFinished(task, outcome: PushOutcome(), now: Self.at(13))
        #expect(state.isFinished(at: Self.at(13).instant))
        #expect(state.pendingEvents == 0)
    }

    @Test func statusTimesComeFromTheInjectedClocks() {
        var state = State(configuration: Self.configuration, options: EngineOptions(), now: Self.at(0))
        _ = state.poll(now: Self.at(0))
        _ = state.claimed(Self.events(1), now: Self.at(0)) { _, _ in true }
        let status = state.status(at: Self.at(30))
        #expect(status.oldestPendingSeconds == 30)
        #expect(status.remotes.first?.targets.first?.pending?.startsInSeconds == nil, "due since 2 s")
        #expect(status.remotes.first?.targets.first?.pending?.ageSeconds == 30)
        #expect(status.caughtUp, "30 s is within caughtUpThreshold")
    }
}

extension EngineStateTests {
    /// A node whose store could not answer (a read-only standby after a failover) pushed as if it held
    /// the project: an unanswered start is postponed, no retry counted, and runs once confirmed.
    @Test func aPushWhoseStartTheStoreCannotConfirmWaits() throws {
        var state = State(configuration: Self.configuration, options: EngineOptions(), now: Self.at(0))
        _ = state.poll(now: Self.at(0))
        _ = state.claimed(Self.events(1), now: Self.at(0)) { _, _ in true }
        // An empty read ends with the queue's wake-up: what is due starts.
        func started(at seconds: Int) -> State.Queue.Task? {
            _ = state.poll(now: Self.at(seconds))
            return state.claimed([], now: Self.at(seconds)) { _, _ in true }.lazy.compactMap {
                if case .recordPushStart(let task) = $0 { task } else { nil }
            }.first
        }
        let task = try #require(started(at: 2))
        let unanswered = state.pushStartRecorded(task, held: nil, now: Self.at(2))
        #expect(!unanswered.contains { if case .runPush = $0 { true } else { false } }, "\(unanswered)")
        #expect(state.pendingEvents == 1, "nothing dropped")
        #expect(started(at: 3) == nil, "it waits")
        let again = try #require(started(at: 2 + Int(State.unconfirmedStartDelay.components.seconds)))
        #expect(again.retries == 0, "an unanswered check is no failed push")
        let confirmed = state.pushStartRecorded(again, held: true, now: Self.at(8))
        #expect(confirmed.contains { if case .runPush = $0 { true } else { false } })
    }
}

/// The replication log: a reason once per URL and change of state, refs with one reason on one line.
extension EngineStateTests {
    static func logs(_ actions: [State.Action]) -> [EngineLogEntry] {
        actions.compactMap { if case .log(let entry) = $0 { entry } else { nil } }
    }

    /// Runs the next due push of `state` at `now` with `outcome`; the log lines it ended with.
    static func push(_ state: inout State, at now: State.Now, _ outcome: PushOutcome) -> [EngineLogEntry] {
        var due = state.poll(now: now)
        if Self.claims(due) > 0 { due += state.claimed([], now: now) { _, _ in true } }
        guard
            case .recordPushStart(let task) = due.first(where: { if case .recordPushStart = $0 { true } else { false } }
            )
        else {
            Issue.record("no push due at \(now.instant): \(due)")
            return []
        }
        _ = state.pushStartRecorded(task, held: true, now: now)
        return Self.logs(state.pushFinished(task, outcome: outcome, now: now))
    }

    @Test func aFailureRepeatedAtAURLLogsItsReasonOnce() {
        let configuration = OneFile.configuration(
            "[remote \"a\"]\n  url = /m/${name}.git\n  replicationDelay = 2\n  replicationRetry = 1\n"
        )
        var state = State(configuration: configuration, options: EngineOptions(), now: Self.at(0))
        _ = state.poll(now: Self.at(0))
        _ = state.claimed(Self.events(1), now: Self.at(0)) { _, _ in true }
        let failure = PushOutcome(
            error: .init(code: .network, message: String(repeating: "connection reset ", count: 20))
        )
        let first = Self.push(&state, at: Self.at(3), failure)
        let again = Self.push(&state, at: Self.at(200), failure)
        #expect(first.first?.metadata["replication.error"]?.description.hasPrefix("connection reset") == true)
        #expect(again.map(\.message) == ["Replication failed", "Replication failed; will retry"], "\(again)")
        #expect(again.first?.metadata["replication.repeated"] == "true")
        #expect(!"\(again.map(\.metadata))".contains("connection reset"), "the reason is not logged again: \(again)")
        let other = Self.push(&state, at: Self.at(400), PushOutcome(error: .init(code: .network, message: "timeout")))
        #expect(other.first?.metadata["replication.error"] == "timeout", "a new reason is logged")
    }

    /// Creating `ref` at the id of forty `digit`s.
    static func creation(of ref: String, at digit: Character, isForced: Bool = true) -> RefUpdate {
        RefUpdate(
            action: .create,
            source: ref,
            destination: ref,
            oldID: nil,
            newID: ObjectID(hex: String(repeating: digit, count: 40))!,
            isForced: isForced
        )
    }

    /// A bare `failed to update ref` says nothing of why: the audit line carries what the mirror's
    /// receive-pack said (`cannot lock ref …`), and which stale locks were removed.
    @Test func aFailedPushLogsWhatTheMirrorSaidAndTheLocksItRemoved() {
        var state = State(configuration: Self.configuration, options: EngineOptions(), now: Self.at(0))
        _ = state.poll(now: Self.at(0))
        _ = state.claimed(Self.events(1), now: Self.at(0)) { _, _ in true }
        let update = Self.creation(of: "refs/heads/x", at: "b")
        var report = PushReport(
            plan: UpdatePlan(mode: .full, updates: [update], skipped: [], blocked: nil, upToDate: 0),
            results: [RefResult(update: update, status: .failed, message: "failed to update ref")],
            serverMessages: "\nerror: cannot lock ref 'refs/heads/x': Unable to create 'x.lock': File exists.\n"
        )
        report.removedStaleLocks = ["refs/heads/x"]
        let lines = Self.push(&state, at: Self.at(3), PushOutcome(report: report))
        #expect(lines.first?.message == "Replication failed", "\(lines.map(\.message))")
        #expect(
            lines.first?.metadata["replication.server.messages"]
                == "error: cannot lock ref 'refs/heads/x': Unable to create 'x.lock': File exists."
        )
        #expect(lines.first?.metadata["replication.stale-locks.removed"] == "refs/heads/x")
        // Another reason, or the repeat would be logged without one.
        let chatty = PushReport(
            plan: report.plan,
            results: [RefResult(update: update, status: .failed, message: "failed to lock")],
            serverMessages: String(repeating: "y", count: 5000)
        )
        let kept =
            "\(Self.push(&state, at: Self.at(400), PushOutcome(report: chatty)).first?.metadata["replication.server.messages"] ?? "")"
        #expect(kept.count == 2001 && kept.hasPrefix("…"), "the last 2,000 characters")
    }

    @Test func aHeldPushOf150TagsLogsOneLineForItsRefs() {
        var state = State(configuration: Self.configuration, options: EngineOptions(), now: Self.at(0))
        _ = state.poll(now: Self.at(0))
        _ = state.claimed(Self.events(1), now: Self.at(0)) { _, _ in true }
        let id = ObjectID(hex: String(repeating: "a", count: 40))!
        let deletions = (1...150).map { RefUpdate.deletion(of: "refs/tags/v\($0)", at: id, isForced: true) }
        let reason = "blocked: the push would delete 150 refs, over remote.a.maxDeletions (100)"
        var plan = UpdatePlan(mode: .full, updates: deletions, skipped: [], blocked: nil, upToDate: 0)
        plan.blocked = reason
        var held = PushOutcome()
        held.report = PushReport(
            plan: plan,
            results: deletions.map { RefResult(update: $0, status: .failed, message: reason) }
        )
        let lines = Self.push(&state, at: Self.at(3), held)
        let refLines = lines.filter { $0.message == "Ref not replicated" }
        #expect(refLines.count == 1, "\(lines.map(\.message))")
        #expect(refLines.first?.metadata["replication.refs"] == "150")
        #expect(
            refLines.first?.metadata["replication.refs.first"]?.description.hasPrefix("refs/tags/v1 refs/tags/v2")
                == true
        )
        #expect(lines.first?.metadata["replication.refs.held"] == "150")
        #expect(lines.first?.metadata["replication.refs.failed"] == nil, "a held push's refs are not failures")
    }

    @Test func aTickLooksAtTheConfigurationAndARejectionIsLoggedOncePerReason() {
        var state = State(configuration: Self.configuration, options: EngineOptions(), now: Self.at(0))
        let tick = state.tick(now: Self.at(1))
        #expect(tick.last.map { if case .checkConfiguration = $0 { true } else { false } } == true, "\(tick)")
        let unchanged = state.configurationChecked(nil, rejected: nil, now: Self.at(1))
        #expect(unchanged == [.claimEvents(limit: State.claimBatch, only: nil)], "read as usual")
        let rejected = state.configurationChecked(nil, rejected: "bad key", now: Self.at(2))
        #expect(Self.logs(rejected).map(\.message) == ["Configuration change rejected; keeping the running one"])
        #expect(state.configurationError == "bad key")
        #expect(Self.logs(state.configurationChecked(nil, rejected: "bad key", now: Self.at(3))).isEmpty)
        let fresh = OneFile.configuration("[remote \"b\"]\n  url = /n/${name}.git\n")
        let reloaded = state.configurationChecked(fresh, rejected: nil, now: Self.at(4))
        let note = EngineLogEntry(.notice, "Configuration reloaded; pending work re-planned", ["remotes": "1"])
        #expect(reloaded == [.log(note), .readHeldEvents])
        #expect(state.configuration.remotes.map(\.name) == ["b"] && state.configurationError == nil)
    }

    @Test func theStatePlansOnlyFromTheMatchesItIsGiven() {
        var state = State(configuration: Self.configuration, options: EngineOptions(), now: Self.at(0))
        _ = state.poll(now: Self.at(0))
        let events = Self.events(2)
        let remote = Self.configuration.remotes[0]
        let matches = ProjectMatches(projects: ["p2"], remotes: [remote]) { _, _ in true }
        let actions = state.claimed(events, matches: matches, now: Self.at(0))
        let completed = Self.writes(actions).compactMap { if case .completed(let ids) = $0 { ids } else { nil } }
        #expect(completed == [[1]], "p1 was never answered: it goes nowhere")
        #expect(state.pendingEvents == 1)
    }

    @Test func aPushEndIsOneTransactionWithItsEndRecordAndNotices() throws {
        var state = State(configuration: Self.configuration, options: EngineOptions(), now: Self.at(0))
        _ = state.poll(now: Self.at(0))
        _ = state.claimed(Self.events(1), now: Self.at(0)) { _, _ in true }
        var due = state.poll(now: Self.at(3))
        if Self.claims(due) > 0 { due += state.claimed([], now: Self.at(3)) { _, _ in true } }
        let task = try #require(
            due.lazy.compactMap { if case .recordPushStart(let task) = $0 { task } else { nil } }.first
        )
        _ = state.pushStartRecorded(task, held: true, epoch: 7, now: Self.at(3))
        let update = Self.creation(of: "refs/heads/main", at: "a", isForced: false)
        let plan = UpdatePlan(mode: .delta, updates: [update], skipped: [], blocked: nil, upToDate: 0)
        let outcome = PushOutcome(report: PushReport(plan: plan, results: [RefResult(update: update, status: .ok)]))
        let actions = state.pushFinished(task, outcome: outcome, now: Self.at(4))
        let applies = actions.indices.filter { if case .apply = actions[$0] { true } else { false } }
        #expect(applies.count == 1, "one transaction: \(actions)")
        let kinds = Self.writes(actions).map { write -> String in
            switch write {
            case .pushEnded(let target, _, let epoch): "pushEnded \(target.url) \(epoch)"
            case .outcome: "outcome"
            case .refStatuses: "refStatuses"
            case .delivery: "delivery"
            case .notices(let notices): "notices \(notices.map(\.type.rawValue))"
            case .lastPush: "lastPush"
            default: "other"
            }
        }
        #expect(
            kinds == [
                "pushEnded \(task.target.url) 7", "outcome", "refStatuses",
                "notices [\"ref-replicated\"]", "notices [\"ref-replication-done\"]", "delivery", "lastPush",
            ]
        )
        let delivered = Self.writes(actions).compactMap { if case .delivery(_, _, let done) = $0 { done } else { nil } }
        #expect(delivered == [[1]], "the event is done everywhere")
    }
}
