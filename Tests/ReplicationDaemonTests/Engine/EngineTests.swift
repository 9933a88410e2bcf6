import Foundation
import ReplicationCore
import ReplicationDaemon
import ReplicationTestSupport
import Testing

/// The daemon's engine in-process: real scheduling, store bookkeeping and status, with a scripted
/// executor, the in-memory store and a manual clock.
// Three minutes, not one: in a parallel run the blocking end-to-end tests can hold the cooperative
// pool's threads for a minute, and these wait their turn; a hang still fails.
@Suite(.offThePool)
struct EngineTests {
    static let configuration = """
        [remote "a"]
          url = /mirrors/a/${name}.git
          replicationDelay = 0
          replicationRetry = 1
          replicationMaxRetries = 2
        """
    static let url = "/mirrors/a/p.git"
    static let failure = PushOutcome(error: .init(code: .network, message: "connection reset"))

    @Test func eventsStoredTogetherOrDuringAPushAreCoalesced() async throws {
        let harness = EngineHarness(Self.configuration)
        try await harness.run {
            harness.executor.block(Self.url)
            try await harness.post(
                .refUpdated(project: "p", refs: ["refs/heads/main"]),
                .refUpdated(project: "p", refs: ["refs/heads/dev"])
            )
            try await harness.until("the first push runs") { harness.pushes(to: Self.url).count == 1 }
            #expect(harness.pushes(to: Self.url)[0].work.refs == ["refs/heads/main", "refs/heads/dev"])
            for branch in ["b0", "b1", "b2"] {
                try await harness.post(.refUpdated(project: "p", refs: ["refs/heads/\(branch)"]))
            }
            try await harness.until("the engine holds all five events") {
                try await harness.store.heldEvents(node: "test-node").count == 5
            }
            harness.executor.release(Self.url)
            try await harness.until("every event delivered") { try await harness.store.summary().pendingEvents == 0 }
            #expect(harness.pushes(to: Self.url).count == 2, "one push for the three that waited")
            #expect(
                harness.pushes(to: Self.url).last?.work.refs == ["refs/heads/b0", "refs/heads/b1", "refs/heads/b2"]
            )
        }
    }

    @Test func transientFailuresAreRetriedWithBackoffThenGivenUp() async throws {
        let harness = EngineHarness(Self.configuration)
        harness.executor.answer(Self.url, with: [Self.failure, Self.failure, Self.failure])
        try await harness.run {
            try await harness.post(.refUpdated(project: "p", refs: ["refs/heads/main"]))
            try await harness.untilFailures(1, at: Self.url)
            try await harness.advance(by: .seconds(30))
            #expect(harness.pushes(to: Self.url).count == 1, "not before replicationRetry")
            try await harness.advance(by: .seconds(30))
            try await harness.untilFailures(2, at: Self.url)
            #expect(harness.pushes(to: Self.url).count == 2, "the first retry after a minute")
            try await harness.advance(by: .seconds(60))
            #expect(harness.pushes(to: Self.url).count == 2, "the second wait is doubled")
            try await harness.advance(by: .seconds(60))
            try await harness.untilFailures(3, at: Self.url)
            #expect(harness.pushes(to: Self.url).count == 3, "the second retry after two more")
            try await harness.until("given up: the event leaves the store") {
                try await harness.store.summary().pendingEvents == 0
            }
            try await harness.advance(by: .seconds(600))
            #expect(harness.pushes(to: Self.url).count == 3, "replicationMaxRetries = 2: three attempts in all")
            let target = try #require(harness.status.remotes.first?.targets.first)
            #expect(target.lastError?.class == .transient && target.consecutiveFailures == 3)
        }
    }

    /// A ref the host refuses (a protected branch) is no failure of the URL, but `/status` says which
    /// ref, why and the host's words until a push has none refused.
    @Test func refusedRefsShowInTheStatusUntilAPushHasNone() async throws {
        let harness = EngineHarness(Self.configuration)
        let update = RefUpdate(
            action: .update,
            source: "refs/heads/main",
            destination: "refs/heads/main",
            oldID: ObjectID(hex: String(repeating: "1", count: 40)),
            newID: ObjectID(hex: String(repeating: "2", count: 40)),
            isForced: true
        )
        let message = "protected branch hook declined (GH006, policy: GH006: Protected branch update failed)"
        let plan = UpdatePlan(mode: .delta, updates: [update], skipped: [], blocked: nil, upToDate: 0)
        var refused = PushOutcome()
        refused.report = PushReport(
            plan: plan,
            results: [RefResult(update: update, status: .rejected, message: message)]
        )
        harness.executor.answer(Self.url, with: [refused, PushOutcome()])
        try await harness.run {
            try await harness.post(.refUpdated(project: "p", refs: ["refs/heads/main"]))
            try await harness.until("the refusal shows") {
                harness.status.remotes.first?.targets.first?.refused?.contains("GH006, policy") == true
            }
            let target = try #require(harness.status.remotes.first?.targets.first)
            #expect(target.lastError == nil && target.consecutiveFailures == 0, "the push reached the mirror")
            #expect(target.refused?.contains("refs/heads/main") == true)
            let page = StatusPage.render(StatusPageModel(status: harness.status, verifications: [], now: 0))
            let section = try #require(page.firstRange(of: "<section id=\"refused\">").map { page[$0.lowerBound...] })
            #expect(section.prefix(600).contains("GH006, policy"), "the status page shows it too")
            try await harness.post(.refUpdated(project: "p", refs: ["refs/heads/main"]))
            try await harness.until("a clean push clears it") {
                harness.pushes(to: Self.url).count == 2 && harness.status.remotes.first?.targets.first?.refused == nil
            }
        }
    }

    @Test func aPermanentlyFailingURLIsProbedAndRecovers() async throws {
        let harness = EngineHarness(Self.configuration)
        let denied = PushOutcome(error: .init(code: .authentication, message: "publickey denied"))
        harness.executor.answer(Self.url, with: [denied, denied])
        try await harness.run {
            try await harness.post(.refUpdated(project: "p", refs: ["refs/heads/main"]))
            try await harness.untilFailures(1, at: Self.url)
            #expect(harness.status.remotes.first?.targets.first?.lastError?.class == .permanent)
            #expect(harness.status.remotes.first?.targets.first?.state == .retrying)
            try await harness.advance(by: .seconds(60))
            try await harness.untilFailures(2, at: Self.url)
            #expect(harness.pushes(to: Self.url).count == 2, "probed again after a minute")
            try await harness.advance(by: .seconds(120))
            try await harness.until("the third attempt succeeds") {
                try await harness.store.summary().pendingEvents == 0
            }
            try await harness.advance(by: .milliseconds(200))
            let target = try #require(harness.status.remotes.first?.targets.first)
            #expect(target.state == .idle && target.consecutiveFailures == 0 && target.lastSuccess != nil)
            #expect(try await harness.store.summary().pendingEvents == 0, "permanent failures never drop the event")
        }
    }

    @Test func aProjectTakenOverByAnotherNodeIsLeftAlone() async throws {
        let harness = EngineHarness(
            Self.configuration.replacingOccurrences(of: "replicationDelay = 0", with: "replicationDelay = 5")
        )
        try await harness.run {
            try await harness.post(.refUpdated(project: "p", refs: ["refs/heads/main"]))
            try await harness.until("claimed") { try await harness.store.heldEvents(node: "test-node").count == 1 }
            harness.store.handOver(project: "p", to: "other-node")
            try await harness.advance(by: .seconds(6))
            try await harness.advance(by: .milliseconds(200))
            try await harness.until("the pending push is dropped") { harness.status.remotes.first?.queueDepth == 0 }
            #expect(harness.executor.calls.isEmpty, "the push never runs here")
            #expect(
                try await harness.store.heldEvents(node: "other-node").count == 1,
                "the event stays with its new holder"
            )
            #expect(harness.status.pendingEvents == 1)
        }
    }

    @Test func aReloadReplansPendingWorkUnderTheNewConfiguration() async throws {
        let delayed = Self.configuration.replacingOccurrences(of: "replicationDelay = 0", with: "replicationDelay = 5")
        let harness = EngineHarness(delayed)
        try await harness.run {
            try await harness.post(.refUpdated(project: "p", refs: ["refs/heads/main"]))
            try await harness.until("pending") { try await harness.store.heldEvents(node: "test-node").count == 1 }
            harness.source.offer(
                OneFile.configuration(delayed.replacingOccurrences(of: "/mirrors/a/", with: "/moved/a/"))
            )
            try await harness.advance(by: .milliseconds(200))
            try await harness.until("the status shows the new URL") {
                harness.status.remotes.first?.urls == ["/moved/a/${name}.git"]
            }
            try await harness.advance(by: .seconds(5))
            try await harness.until("delivered") { try await harness.store.summary().pendingEvents == 0 }
            #expect(harness.executor.calls.map(\.target.url) == ["/moved/a/p.git"], "only the new URL gets the push")
        }
    }

    @Test func shutdownDrainsDuePushesAndStopsRunningOnesAfterTheDrainTimeout() async throws {
        let configuration = Self.configuration.replacingOccurrences(
            of: "replicationDelay = 0",
            with: "replicationDelay = 5\n  drainQueueAttempts = 2"
        )
        let harness = EngineHarness(configuration) { $0.drainTimeout = .seconds(30) }
        harness.executor.block(Self.url)
        try await harness.run {
            try await harness.post(.refUpdated(project: "p", refs: ["refs/heads/main"]))
            try await harness.until("pending") { try await harness.store.heldEvents(node: "test-node").count == 1 }
            await harness.shutdown()
            try await harness.advance(by: .seconds(5))
            try await harness.until("the push due within the drain starts") { harness.executor.calls.count == 1 }
            try await harness.advance(by: .seconds(20))
            #expect(!harness.stopped && harness.executor.cancelled == 0, "a running push gets drainTimeout")
            try await harness.advance(by: .seconds(20))
            try await harness.until("stopped after drain + drainTimeout") { harness.stopped }
            #expect(harness.executor.cancelled == 1)
            #expect(try await harness.store.summary().pendingEvents == 1, "the undelivered event stays stored")
            #expect(try await harness.store.heldEvents(node: "test-node").isEmpty, "and goes back to the pool")
        }
    }

    @Test func aBlockedPushIsHeldUntilAllowedOnce() async throws {
        let harness = EngineHarness(Self.configuration)
        let plan = UpdatePlan(mode: .full, updates: [], skipped: [], blocked: "would delete 200 refs", upToDate: 0)
        harness.executor.answer(Self.url, with: [PushOutcome(report: PushReport(plan: plan, results: []))])
        try await harness.run {
            try await harness.post(ReplicationEvent(kind: .fullSync, project: "p"))
            try await harness.until("held in the store") { try await harness.store.heldPushes().count == 1 }
            try await harness.advance(by: .milliseconds(200))
            #expect(harness.status.held.map(\.release) == ["replicator allow-deletions p --remote a"])
            #expect(harness.status.remotes.first?.targets.first?.state == .held)
            try await harness.post(ReplicationEvent(kind: .allowDeletions, project: "p"))
            try await harness.until("released and pushed") { harness.executor.calls.count == 2 }
            #expect(harness.executor.calls[1].work.allowMassDeletion && harness.executor.calls[1].work.fullSync)
            try await harness.until("the held record goes") { try await harness.store.heldPushes().isEmpty }
            try await harness.until("delivered") { try await harness.store.summary().pendingEvents == 0 }
        }
    }

    @Test func startWaitModeStopsOnceEachOfItsEventsWasTriedEverywhere() async throws {
        let store = InMemoryTaskStore()
        let ids = try await store.append(
            [ReplicationEvent(kind: .fullSync, project: "p")],
            source: .start,
            wantsOutcomes: true
        )
        _ = try await store.append(
            [.refUpdated(project: "q", refs: ["refs/heads/main"])],
            source: .notify,
            wantsOutcomes: false
        )
        let harness = EngineHarness(Self.configuration + "\n  url = /second/${name}.git\n", store: store) {
            $0.onlyEvents = Set(ids)
            $0.stopWhenReported = true
        }
        harness.executor.answer("/second/p.git", with: [Self.failure])
        try await harness.run {
            try await harness.until("the engine stops by itself") { harness.stopped }
            let outcomes = try await store.progress(of: ids)[0].outcomes
            #expect(outcomes.map(\.result) == [.ok, .transient], "one first attempt per URL, sorted by URL")
            #expect(harness.executor.calls.map(\.target.project) == ["p", "p"], "only its own events")
            #expect(try await store.summary().pendingEvents == 2, "p waits for its retry, q for a daemon")
            #expect(try await store.heldEvents(node: "test-node").isEmpty, "claims released")
        }
    }

    /// `start --wait`'s own engine publishes no status (nobody reads it there): its pushes and
    /// ticks leave the board as it began, while a daemon's engine shows the same push.
    @Test(arguments: [false, true])
    func onlyAnEngineThatPublishesItsStatusShowsIt(publishes: Bool) async throws {
        let harness = EngineHarness(Self.configuration) { $0.publishesStatus = publishes }
        try await harness.run {
            try await harness.post(ReplicationEvent(kind: .fullSync, project: "p"))
            try await harness.until("pushed and delivered") { try await harness.store.summary().pendingEvents == 0 }
            try await harness.advance(by: .milliseconds(600))
            let targets = harness.status.remotes.flatMap(\.targets).map(\.project)
            #expect(targets == (publishes ? ["p"] : []))
        }
    }

    /// `start --wait` asks the store for outcomes when its own engine says it stored some: the
    /// engine counts each write on the handoff after the store took it, so a waiter that sees the
    /// count move and then reads the store finds what was written.
    @Test func theEngineTellsTheWaiterOfEachWriteAfterTheStoreHasIt() async throws {
        let store = InMemoryTaskStore()
        let ids = try await store.append(
            [ReplicationEvent(kind: .fullSync, project: "p")],
            source: .start,
            wantsOutcomes: true
        )
        let handoff = OutcomeHandoff()
        let harness = EngineHarness(Self.configuration + "\n  url = /second/${name}.git\n", store: store) {
            $0.onlyEvents = Set(ids)
            $0.stopWhenReported = true
            $0.outcomeHandoff = handoff
        }
        harness.executor.block("/second/p.git")
        try await harness.run {
            try await harness.until("the first push ended") { try await store.outcomeCount(of: ids) == 1 }
            let afterFirst = handoff.storedCount
            #expect(afterFirst > 0, "the first outcome was counted")
            try await harness.advance(by: .milliseconds(200))
            #expect(try await store.outcomeCount(of: ids) == 1)
            harness.executor.release("/second/p.git")
            try await harness.until("the engine stops by itself") { harness.stopped }
            #expect(handoff.storedCount > afterFirst, "the second outcome was counted too")
            #expect(try await store.outcomeCount(of: ids) == 2)
        }
    }
}
