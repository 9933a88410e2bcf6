import Foundation
import Logging
import ReplicationCore
import ReplicationDaemon
import ReplicationTestSupport
import Synchronization
import Testing

@Suite(.offThePool)
struct HonestHealthTests {
    @Test func anUnreadableStoreTurnsHealthRedAndRefusesEvents() async throws {
        let harness = EngineHarness("[remote \"m\"]\n  url = /m/${name}.git\n")
        let intake = harness.daemon.intake
        let board = harness.engine.statusBoard
        try await harness.post(.refUpdated(project: "p", refs: ["refs/heads/a"]))
        try await harness.run {
            try await harness.advance(by: .milliseconds(200))
            try await harness.until("ready") { board.status.ready }
            #expect(DaemonHTTP.health(of: board.status, requireCaughtUp: false).status == 200)

            harness.store.failReads(TaskStoreError(code: "io", message: "disk I/O error"))
            try await harness.advance(by: .seconds(1))
            try await harness.until("not ready") { !board.status.ready }
            #expect(DaemonHTTP.health(of: board.status, requireCaughtUp: false).status == 503)
            #expect(board.status.storeError?.contains("disk I/O error") == true)
            let body = Data(#"{"type":"ref-updated","refUpdate":{"project":"p","refName":"refs/heads/b"}}"#.utf8)
            await #expect(throws: EventIntakeError.self) { try await intake.accept(body, source: .http) }

            harness.store.failReads(nil)
            try await harness.advance(by: .seconds(1))
            try await harness.until("ready again") { board.status.ready }
            #expect(try await intake.accept(body, source: .http).events.count == 1)
        }
    }

    /// stream-events cannot resend: a line the store refuses is offered again until it is stored.
    @Test func aStreamLineWaitsForTheStoreAndIsNeverDropped() async throws {
        let store = InMemoryTaskStore()
        let refusing = Atomic(true)
        let intake = EventIntake(
            store: store,
            projectExists: { _ in true },
            wake: {},
            unavailable: { refusing.load(ordering: .relaxed) ? "disk I/O error" : nil }
        )
        let line = Data(#"{"type":"ref-updated","refUpdate":{"project":"p","refName":"refs/heads/s"}}"#.utf8)
        let refusals = Atomic(0)
        let accepting = Task {
            await intake.acceptPatiently(
                line,
                source: .streamEvents,
                retryDelay: .milliseconds(20),
                onFirstRefusal: { _ in refusals.add(1, ordering: .relaxed) }
            )
        }
        // Refused once (however late the task starts on a loaded machine), then retried a while.
        let deadline = ContinuousClock.now + .seconds(10)
        while refusals.load(ordering: .relaxed) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await store.summary().pendingEvents == 0, "nothing stored while the store refuses")
        refusing.store(false, ordering: .relaxed)
        let result = await accepting.value
        #expect(result == nil, "stored once the store takes events again")
        #expect(refusals.load(ordering: .relaxed) == 1, "reported once, not at every retry")
        let stored = try await store.claimEvents(node: "n", only: nil, limit: 10)
        #expect(stored.map(\.event.refs) == [["refs/heads/s"]])
        let malformed = await intake.acceptPatiently(Data("not json".utf8), source: .streamEvents)
        #expect(malformed?.code == .malformed, "a line that can never be stored is not retried")
    }
}
