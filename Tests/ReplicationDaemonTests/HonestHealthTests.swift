import Foundation
import Logging
import ReplicationCore
import ReplicationDaemon
import ServiceLifecycle
import Synchronization
import Testing

/// A real SQLite store that can be made to fail its reads, as a broken disk or database would.
private final class FailingStore: TaskStore {
    let inner: SQLiteTaskStore
    let failing = Atomic(false)

    init(path: String) throws { self.inner = try SQLiteTaskStore(path: path) }

    private func check() throws {
        if self.failing.load(ordering: .relaxed) { throw TaskStoreError(code: "io", message: "disk I/O error") }
    }

    func append(_ events: [ReplicationEvent], source: String, wantsOutcomes: Bool) async throws -> [Int64] {
        try await self.inner.append(events, source: source, wantsOutcomes: wantsOutcomes)
    }
    func claimEvents(node: String, only: Set<Int64>?, limit: Int) async throws -> [StoredEvent] {
        try self.check()
        return try await self.inner.claimEvents(node: node, only: only, limit: limit)
    }
    func heldEvents(node: String) async throws -> [StoredEvent] { try await self.inner.heldEvents(node: node) }
    func renewLeases(node: String) async throws {}
    func releaseLeases(node: String) async throws { try await self.inner.releaseLeases(node: node) }
    func recordPlanned(_ counts: [Int64: Int]) async throws { try await self.inner.recordPlanned(counts) }
    func recordDelivery(of events: [Int64], to target: PushTarget, completed: [Int64]) async throws {
        try await self.inner.recordDelivery(of: events, to: target, completed: completed)
    }
    func recordOutcome(_ outcome: PushOutcomeRecord, for events: [Int64]) async throws {
        try await self.inner.recordOutcome(outcome, for: events)
    }
    func recordPush(_ target: PushTarget, node: String, running: Bool) async throws -> Bool {
        try await self.inner.recordPush(target, node: node, running: running)
    }
    func recordHeld(_ target: PushTarget, deletions: Int, reason: String?) async throws {
        try await self.inner.recordHeld(target, deletions: deletions, reason: reason)
    }
    func heldPushes() async throws -> [HeldPush] { try await self.inner.heldPushes() }
    func progress(of events: [Int64]) async throws -> [EventProgress] { try await self.inner.progress(of: events) }
    func outcomeCount(of events: [Int64]) async throws -> Int { try await self.inner.outcomeCount(of: events) }
    func removeOutcomes(of events: [Int64]) async throws { try await self.inner.removeOutcomes(of: events) }
    func summary() async throws -> StoreSummary {
        try self.check()
        return try await self.inner.summary()
    }
    func cluster() async throws -> [ClusterNode] { try await self.inner.cluster() }
    func acquireExecutorLease(wait: Bool) async throws -> (any ExecutorLease)? {
        try await self.inner.acquireExecutorLease(wait: wait)
    }
    func listenForChanges(_ onChange: @escaping @Sendable () -> Void) async {}
    func run() async { await self.inner.run() }
    func prepare() async throws {}
}

private struct NoPushes: PushExecutor {
    func push(_ work: PushWork, to target: PushTarget) async -> PushExecution { PushExecution(result: .succeeded) }
}

@Suite(.timeLimit(.minutes(1)))
struct HonestHealthTests {
    @Test func anUnreadableStoreTurnsHealthRedAndRefusesEvents() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("health-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try FailingStore(path: directory.appendingPathComponent("tasks.sqlite").path)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        var options = EngineOptions()
        options.pollInterval = .milliseconds(20)
        let engine = ReplicationEngine(
            store: store,
            executor: NoPushes(),
            configuration: OneFile.configuration("[remote \"m\"]\n  url = /m/${name}.git\n"),
            options: options,
            logger: logger
        )
        let intake = EventIntake(
            store: store,
            projectExists: { _ in true },
            wake: { engine.wake() },
            unavailable: { engine.statusBoard.status.storeError }
        )
        _ = try await store.append(
            [.refUpdated(project: "p", refs: ["refs/heads/a"])],
            source: "t",
            wantsOutcomes: false
        )
        let group = ServiceGroup(services: [engine], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            defer { tasks.cancelAll() }
            try await Self.until { engine.statusBoard.status.ready }
            #expect(DaemonHTTP.health(of: engine.statusBoard.status, requireCaughtUp: false).status == 200)

            store.failing.store(true, ordering: .relaxed)
            try await Self.until { !engine.statusBoard.status.ready }
            let health = DaemonHTTP.health(of: engine.statusBoard.status, requireCaughtUp: false)
            #expect(health.status == 503)
            #expect(engine.statusBoard.status.storeError?.contains("disk I/O error") == true)
            let body = Data(#"{"type":"ref-updated","refUpdate":{"project":"p","refName":"refs/heads/b"}}"#.utf8)
            await #expect(throws: EventIntakeError.self) { try await intake.accept(body, source: "http") }

            store.failing.store(false, ordering: .relaxed)
            try await Self.until { engine.statusBoard.status.ready }
            #expect(try await intake.accept(body, source: "http").events.count == 1)
            await group.triggerGracefulShutdown()
        }
    }

    /// stream-events cannot resend: a line the store refuses is offered again until it is stored.
    @Test func aStreamLineWaitsForTheStoreAndIsNeverDropped() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("patient-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try FailingStore(path: directory.appendingPathComponent("tasks.sqlite").path)
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
                source: "stream-events",
                retryDelay: .milliseconds(20),
                onFirstRefusal: { _ in refusals.add(1, ordering: .relaxed) }
            )
        }
        try await Task.sleep(for: .milliseconds(300))
        #expect(try await store.summary().pendingEvents == 0, "nothing stored while the store refuses")
        refusing.store(false, ordering: .relaxed)
        let result = await accepting.value
        #expect(result == nil, "stored once the store takes events again")
        #expect(refusals.load(ordering: .relaxed) == 1, "reported once, not at every retry")
        let stored = try await store.claimEvents(node: "n", only: nil, limit: 10)
        #expect(stored.map(\.event.refs) == [["refs/heads/s"]])
        let malformed = await intake.acceptPatiently(Data("not json".utf8), source: "stream-events")
        #expect(malformed?.code == .malformed, "a line that can never be stored is not retried")
    }

    private static func until(_ condition: () -> Bool) async throws {
        for _ in 0..<300 where !condition() { try await Task.sleep(for: .milliseconds(20)) }
        #expect(condition())
    }
}
