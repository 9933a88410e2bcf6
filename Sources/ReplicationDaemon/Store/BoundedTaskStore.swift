package import ReplicationCore
import Synchronization

/// The daemon's store with a deadline on every call (`replicator.storeTimeout`): a database that
/// stalls (a silent connection, a table locked for minutes, a failover) gives errors in bounded
/// time, so `POST /events` answers 503, `/healthz` turns 503 and SIGTERM is not held up. A call that
/// timed out may still complete later: a POST answered 503 may then be stored all the same, which
/// is harmless (events are idempotent; the sender's retry only repeats them).
package struct BoundedTaskStore: TaskStore {
    let inner: any TaskStore
    let timeout: Duration
    private let lastTimeout = LastTimeout()

    package init(_ inner: any TaskStore, timeout: Duration) {
        self.inner = inner
        self.timeout = timeout
    }

    /// The last call that timed out, while it is recent (within 2 × the timeout): the store counts as
    /// stalling until then, whatever the engine managed to read meanwhile.
    package var stall: String? {
        guard let (at, error) = self.lastTimeout.value, at.duration(to: .now) < self.timeout * 2 else { return nil }
        return error.description
    }

    /// The error of a call that did not answer in time.
    package struct Timeout: Error, CustomStringConvertible {
        package var call: String
        package var timeout: Duration
        package var description: String {
            "the task store did not answer \(self.call) within \(self.timeout.configText) (replicator.storeTimeout)"
        }
    }

    private func bounded<Value: Sendable>(
        _ call: String,
        _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let timeout = Timeout(call: call, timeout: self.timeout)
        do {
            return try await withDeadline(self.timeout, orThrow: timeout, operation)
        } catch let error as Timeout {
            self.lastTimeout.record(error)
            throw error
        }
    }
}

private final class LastTimeout: Sendable {
    private let last = Mutex<(at: ContinuousClock.Instant, error: BoundedTaskStore.Timeout)?>(nil)

    var value: (at: ContinuousClock.Instant, error: BoundedTaskStore.Timeout)? { self.last.withLock { $0 } }

    func record(_ error: BoundedTaskStore.Timeout) {
        self.last.withLock { $0 = (.now, error) }
    }
}

/// `operation`'s result, or `timeoutError` after `timeout`, whichever comes first; the operation is
/// not waited for after that (a stalled database call must not hold its caller, a drain, an exit).
package func withDeadline<Value: Sendable>(
    _ timeout: Duration,
    orThrow timeoutError: any Error,
    _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        let pending = PendingAnswer(continuation)
        let timer = Task {
            try await Task.sleep(for: timeout)
            pending.resume(with: .failure(timeoutError))
        }
        Task {
            let result = await Result { try await operation() }
            timer.cancel()
            pending.resume(with: result)
        }
    }
}

/// A continuation resumed by whichever comes first, the answer or the deadline.
private final class PendingAnswer<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, any Error>?>

    init(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation = Mutex(continuation)
    }

    func resume(with result: Result<Value, any Error>) {
        self.continuation.withLock { $0.take() }?.resume(with: result)
    }
}

/// Shutdown's courtesies to the store (releasing leases that expire by themselves anyway) wait at
/// most this long, so that SIGTERM ends the daemon on time whatever the store does.
package let shutdownCourtesy = Duration.seconds(1)

/// The error of a courtesy that did not finish in time.
package struct CourtesyTimeout: Error, CustomStringConvertible {
    package init() {}
    package var description: String { "no answer within \(shutdownCourtesy.configText)" }
}

extension BoundedTaskStore {
    package func notices(after id: Int64, limit: Int) async throws -> NoticeBatch {
        try await self.bounded("notices") { try await self.inner.notices(after: id, limit: limit) }
    }
    package func lastNoticeID() async throws -> Int64 {
        try await self.bounded("lastNoticeID") { try await self.inner.lastNoticeID() }
    }
    package func pruneNotices(createdBefore seconds: Double) async throws -> Int {
        try await self.bounded("pruneNotices") { try await self.inner.pruneNotices(createdBefore: seconds) }
    }
    package func leaseNoticeCursor(_ subscriber: String, node: String, now: Double, until: Double) async throws
        -> Int64?
    {
        try await self.bounded("leaseNoticeCursor") {
            try await self.inner.leaseNoticeCursor(subscriber, node: node, now: now, until: until)
        }
    }
    package func advanceNoticeCursor(_ subscriber: String, node: String, to id: Int64, until: Double) async throws
        -> Bool
    {
        try await self.bounded("advanceNoticeCursor") {
            try await self.inner.advanceNoticeCursor(subscriber, node: node, to: id, until: until)
        }
    }
    package func releaseNoticeCursors(node: String) async throws {
        try await self.bounded("releaseNoticeCursors") { try await self.inner.releaseNoticeCursors(node: node) }
    }
    package func apply(_ writes: [StoreWrite]) async throws {
        try await self.bounded("apply") { try await self.inner.apply(writes) }
    }

    package func refStatuses(project: String, ref: String) async throws -> [StoredRefStatus] {
        try await self.bounded("refStatuses") { try await self.inner.refStatuses(project: project, ref: ref) }
    }

    package func lastPushes() async throws -> [LastPush] {
        try await self.bounded("lastPushes") { try await self.inner.lastPushes() }
    }
    package func append(_ events: [ReplicationEvent], source: EventSource, wantsOutcomes: Bool) async throws
        -> [Int64]
    {
        try await self.bounded("append") {
            try await self.inner.append(events, source: source, wantsOutcomes: wantsOutcomes)
        }
    }
    package func claimEvents(node: String, only: Set<Int64>?, limit: Int) async throws -> [StoredEvent] {
        try await self.bounded("claimEvents") { try await self.inner.claimEvents(node: node, only: only, limit: limit) }
    }
    package func heldEvents(node: String) async throws -> [StoredEvent] {
        try await self.bounded("heldEvents") { try await self.inner.heldEvents(node: node) }
    }
    package func heldPushes() async throws -> [HeldPush] {
        try await self.bounded("heldPushes") { try await self.inner.heldPushes() }
    }
    package func summary() async throws -> StoreSummary {
        try await self.bounded("summary") { try await self.inner.summary() }
    }
    package func progress(of events: [Int64]) async throws -> [EventProgress] {
        try await self.bounded("progress") { try await self.inner.progress(of: events) }
    }
    package func outcomeCount(of events: [Int64]) async throws -> Int {
        try await self.bounded("outcomeCount") { try await self.inner.outcomeCount(of: events) }
    }
    package func removeOutcomes(of events: [Int64]) async throws {
        try await self.bounded("removeOutcomes") { try await self.inner.removeOutcomes(of: events) }
    }
    /// Waiting for another process's lease is what `wait: true` asks for: not bounded.
    package func acquireExecutorLease(wait: Bool) async throws -> (any ExecutorLease)? {
        guard !wait else { return try await self.inner.acquireExecutorLease(wait: true) }
        return try await self.bounded("acquireExecutorLease") { try await self.inner.acquireExecutorLease(wait: false) }
    }
    package func renewLeases(node: String) async throws -> [String: PushLease]? {
        try await self.bounded("renewLeases") { try await self.inner.renewLeases(node: node) }
    }
    package func releaseLeases(node: String) async throws {
        try await self.bounded("releaseLeases") { try await self.inner.releaseLeases(node: node) }
    }
    package func startPush(_ target: PushTarget, node: String) async throws -> PushLease? {
        try await self.bounded("startPush") { try await self.inner.startPush(target, node: node) }
    }
    package func confirmLease(project: String, node: String, epoch: Int64) async throws -> PushLease? {
        try await self.bounded("confirmLease") {
            try await self.inner.confirmLease(project: project, node: node, epoch: epoch)
        }
    }
    package func reconcileOrphanedPushes(node: String) async throws -> [PushTarget] {
        try await self.bounded("reconcileOrphanedPushes") { try await self.inner.reconcileOrphanedPushes(node: node) }
    }
    package func cluster() async throws -> [ClusterNode] {
        try await self.bounded("cluster") { try await self.inner.cluster() }
    }
    /// Schema work may take long on a big store: bounded by the caller, not here.
    package func prepare() async throws { try await self.inner.prepare() }
    package func run() async { await self.inner.run() }
    package func listenForChanges(_ onChange: @escaping @Sendable () -> Void) async {
        await self.inner.listenForChanges(onChange)
    }
}
