import Foundation
import Logging
import ReplicationCore
import ReplicationDaemon
import ReplicationTestSupport
import ServiceLifecycle
import Synchronization
import Testing

/// A push executor that records every push and answers from a script: per URL, the outcomes of
/// the next attempts (then success). A URL can be blocked: its pushes wait until released (or
/// cancelled, like a real push at the end of a drain).
final class ScriptedExecutor: PushExecutor {
    struct Call: Sendable {
        var target: PushTarget
        var work: PushWork
    }

    private struct State {
        var calls: [Call] = []
        var script: [String: [PushOutcome]] = [:]
        var blocked: Set<String> = []
        var cancelled = 0
    }

    private let state = Mutex(State())

    var calls: [Call] { self.state.withLock { $0.calls } }
    var cancelled: Int { self.state.withLock { $0.cancelled } }

    func answer(_ url: String, with outcomes: [PushOutcome]) {
        self.state.withLock { $0.script[url, default: []] += outcomes }
    }

    func block(_ url: String) { self.state.withLock { _ = $0.blocked.insert(url) } }
    func release(_ url: String) { self.state.withLock { _ = $0.blocked.remove(url) } }

    func push(
        _ work: PushWork,
        to target: PushTarget,
        configuration: ReplicationConfiguration,
        fence: PushFence
    ) async -> PushOutcome {
        self.state.withLock { $0.calls.append(Call(target: target, work: work)) }
        while self.state.withLock({ $0.blocked.contains(target.url) }) {
            do {
                try await Task.sleep(for: .milliseconds(5))
            } catch {
                self.state.withLock { $0.cancelled += 1 }
                return PushOutcome(error: .init(code: .network, message: "cancelled"))
            }
        }
        return self.state.withLock { state in
            guard var next = state.script[target.url], !next.isEmpty else { return PushOutcome() }
            let outcome = next.removeFirst()
            state.script[target.url] = next
            return outcome
        }
    }
}

/// A configuration source a test changes by hand (`gerrit.autoReload` as the engine sees it).
final class HandConfigurationSource: ConfigurationSource {
    private let next = Mutex<ReplicationConfiguration?>(nil)

    func offer(_ configuration: ReplicationConfiguration) { self.next.withLock { $0 = configuration } }

    func reloadIfChanged(_ current: ReplicationConfiguration, rejected: (String) -> Void) -> ReplicationConfiguration? {
        self.next.withLock { next in
            defer { next = nil }
            return next
        }
    }
}

/// A daemon built as `serve` builds it, on an in-memory store, a scripted executor and a manual
/// clock: no network, no sshd, no database.
struct EngineHarness {
    let store: InMemoryTaskStore
    let executor = ScriptedExecutor()
    let clock = ManualClock()
    let source = HandConfigurationSource()
    let daemon: ReplicationDaemon.Daemon<ManualClock>
    private let services: ServiceGroup
    private let engineStopped = Flag()

    /// Silent; `ENGINE_LOG=1 swift test --filter EngineTests` prints the engine's log.
    static let logger: Logger = {
        var logger = Logger(label: "test") { label -> any LogHandler in
            ProcessInfo.processInfo.environment["ENGINE_LOG"] == nil
                ? SwiftLogNoOpLogHandler() : StreamLogHandler.standardError(label: label)
        }
        logger.logLevel = .debug
        return logger
    }()

    init(
        _ configuration: String,
        store: InMemoryTaskStore = InMemoryTaskStore(),
        options: (inout EngineOptions) -> Void = { _ in }
    ) {
        self.store = store
        let configuration = OneFile.configuration(configuration)
        var engineOptions = EngineOptions(for: configuration)
        engineOptions.nodeName = "test-node"
        options(&engineOptions)
        self.daemon = buildDaemon(
            configuration: configuration,
            store: self.store,
            executor: self.executor,
            source: self.source,
            options: engineOptions,
            clock: self.clock,
            projectExists: { _, _ in true },
            logger: Self.logger
        )
        self.services = ServiceGroup(
            services: [StoppingService(inner: self.daemon.engine, stopped: self.engineStopped)],
            logger: Self.logger
        )
    }

    var engine: ReplicationEngine<ManualClock> { self.daemon.engine }
    var status: DaemonStatus { self.engine.statusBoard.status }

    /// Runs the engine (in a service group, as `serve` does) while `body` runs, then cancels it.
    func run(_ body: () async throws -> Void) async throws {
        let services = self.services
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            defer { group.cancelAll() }
            try await body()
        }
    }

    /// SIGTERM: the engine drains.
    func shutdown() async {
        await self.services.triggerGracefulShutdown()
    }

    /// Whether the engine's service has returned.
    var stopped: Bool { self.engineStopped.value.load(ordering: .relaxed) }

    /// Stores events as an event sender would; the in-memory store wakes the engine.
    @discardableResult
    func post(_ events: ReplicationEvent...) async throws -> [Int64] {
        try await self.store.append(events, source: .notify, wantsOutcomes: false)
    }

    /// Moves the manual clock (retries, delays, drains) once the engine's tick sleeps on it, and
    /// gives the engine a moment to handle the tick.
    func advance(by duration: Duration) async throws {
        try await self.until("the engine's tick sleeps on the clock") { self.clock.sleepers > 0 }
        self.clock.advance(by: duration)
        try await self.until("the tick was taken") { self.clock.sleepers > 0 || self.stopped }
        try await Task.sleep(for: .milliseconds(10))
    }

    /// Waits (in real time, briefly) until `condition` holds; a test fails if it never does.
    func until(
        _ what: Comment,
        sourceLocation: SourceLocation = #_sourceLocation,
        _ condition: () async throws -> Bool
    ) async throws {
        if try await eventually(timeout: .seconds(2), every: .milliseconds(5), condition) { return }
        Issue.record("never: \(what)", sourceLocation: sourceLocation)
        throw CancellationError()
    }

    /// Waits until the engine has handled `count` failed attempts at `url` in a row (it publishes
    /// the status after each finished push).
    func untilFailures(_ count: Int, at url: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await self.until("\(count) failures handled at \(url)", sourceLocation: sourceLocation) {
            self.status.remotes.flatMap(\.targets).first { $0.url == url }?.consecutiveFailures == count
        }
    }

    func pushes(to url: String) -> [ScriptedExecutor.Call] {
        self.executor.calls.filter { $0.target.url == url }
    }
}

/// Notes when the service it runs returns.
private struct StoppingService: Service {
    let inner: any Service
    let stopped: Flag

    func run() async throws {
        try await self.inner.run()
        self.stopped.value.store(true, ordering: .relaxed)
    }
}

final class Flag: Sendable {
    let value = Atomic(false)
}
