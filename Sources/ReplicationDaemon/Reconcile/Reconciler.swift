import Foundation
package import Logging
package import ReplicationCore
import ServiceLifecycle
import Synchronization

/// Lists one mirror and compares it with the source inside the remote's scope; the composition
/// root implements it with the same code as `replicator verify`, tests may fake it.
package protocol MirrorVerifying: Sendable {
    /// The verify of each target (all of them URLs of one project), in order.
    func verify(project: String, targets: [PushTarget], configuration: ReplicationConfiguration) async
        -> [MirrorVerification]
}

/// The daemon's anti-entropy (docs/operations.md, "Reconcile"): verifies every project × URL of each
/// remote with a `reconcileInterval` once per interval, at most `replicator.reconcileRate` listings
/// per second, and queues delta work (a `ref-updated` event limited to that URL) for exactly the
/// refs that differ. When to verify is ``ReconcileSchedule``'s decision; what to queue is
/// ``DriftRepair``'s; this service only carries them out.
package final class Reconciler: Service, Sendable {
    private let verifier: any MirrorVerifying
    private let intake: EventIntake
    private let configuration: @Sendable () -> ReplicationConfiguration
    private let projects: @Sendable (_ basePath: String) throws -> [String]
    private let busy: @Sendable () -> Set<PushTarget>
    private let board: ReconcileBoard
    private let metrics: ReplicationMetrics
    private let logger: Logger
    private let state: Mutex<State>

    private struct State: Sendable {
        var schedule: ReconcileSchedule<ContinuousClock.Instant>
        var roundRequested = false
        var refreshedAt: ContinuousClock.Instant?
        var inFlight = 0
        /// `projects` filters asked with the engine's bounds (a hostile regex stalls nothing),
        /// new for each configuration.
        var matcher: BoundedProjectMatcher
        var matcherFilters: [String]?
    }

    /// Targets and projects are listed again this often (new projects, new remotes).
    static let refreshInterval = Duration.seconds(60)
    /// The loop looks again at least this often (a requested round starts within it).
    static let pollInterval = Duration.milliseconds(250)
    /// Verifies running at once, whatever the rate: a listing can take up to its timeouts.
    static let maximumInFlight = 8

    package init(
        verifier: any MirrorVerifying,
        intake: EventIntake,
        configuration: @escaping @Sendable () -> ReplicationConfiguration,
        projects: @escaping @Sendable (_ basePath: String) throws -> [String],
        busy: @escaping @Sendable () -> Set<PushTarget> = { [] },
        board: ReconcileBoard,
        metrics: ReplicationMetrics,
        logger: Logger
    ) {
        self.verifier = verifier
        self.intake = intake
        self.configuration = configuration
        self.projects = projects
        self.busy = busy
        self.board = board
        self.metrics = metrics
        self.logger = logger
        self.state = Mutex(
            State(
                schedule: ReconcileSchedule(rate: configuration().daemon.reconcileRate),
                matcher: BoundedProjectMatcher(logger: logger)
            )
        )
    }

    /// Verify every target now (still within the rate): the event stream reconnected, or the daemon
    /// started without `replicateOnStartup`.
    package func requestRound(reason: String) {
        self.logger.notice("Reconcile round requested", metadata: ["reason": "\(reason)"])
        self.state.withLock { $0.roundRequested = true }
    }

    package func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let now = ContinuousClock.now
            let configuration = self.configuration()
            self.refreshIfDue(configuration, now: now)
            let busy = self.busy()
            let (start, wakeAt) = self.state.withLock { state in
                if state.roundRequested {
                    state.roundRequested = false
                    state.schedule.requestRound(now: now)
                }
                let next = state.schedule.next(now: now, limit: Self.maximumInFlight - state.inFlight, busy: busy)
                state.inFlight += next.start.count
                return next
            }
            for target in start {
                // Not a child task: a listing bounded only by a remote's `timeout = 0` must not hold
                // the daemon's shutdown.
                Task { await self.verify(target, configuration: configuration) }
            }
            let pause = wakeAt.map { min(max(now.duration(to: $0), .milliseconds(10)), Self.pollInterval) }
            try? await Task.sleep(for: pause ?? Self.pollInterval)
        }
    }

    /// Lists projects and targets again when due or when a round was asked for.
    private func refreshIfDue(_ configuration: ReplicationConfiguration, now: ContinuousClock.Instant) {
        let isDue = self.state.withLock { state in
            state.roundRequested || state.refreshedAt.map { $0.duration(to: now) >= Self.refreshInterval } ?? true
        }
        guard isDue else { return }
        let targets = self.targets(configuration)
        self.board.keep(only: Set(targets.keys))
        self.state.withLock { state in
            state.refreshedAt = now
            if state.schedule.rate != configuration.daemon.reconcileRate {
                state.schedule.rate = configuration.daemon.reconcileRate
            }
            state.schedule.update(targets: targets, now: now)
        }
    }

    /// Every project × URL of every remote with a reconcile interval, with that interval.
    private func targets(_ configuration: ReplicationConfiguration) -> [PushTarget: Duration] {
        let remotes = configuration.remotes.filter { $0.reconcileInterval > .zero }
        guard !remotes.isEmpty else { return [:] }
        let projects: [String]
        do {
            projects = try self.projects(configuration.gerrit.basePath)
        } catch {
            self.logger.error("Reconcile cannot list the projects", metadata: ["error": "\(error)"])
            return [:]
        }
        // Answers are memoized by remote name: a reload that changes a filter needs a new matcher.
        let filters = remotes.map { remote in
            ([remote.name] + remote.projects.includes.map(\.text) + ["!"] + remote.projects.excludes.map(\.text))
                .joined(separator: "\u{0}")
        }
        let matcher = self.state.withLock { state in
            if state.matcherFilters != filters {
                state.matcher = BoundedProjectMatcher(logger: self.logger)
                state.matcherFilters = filters
            }
            return state.matcher
        }
        var targets: [PushTarget: Duration] = [:]
        let selection = ReplicationSelection(projects: [])
        for project in projects {
            for remote in remotes where matcher.replicates(remote, project) {
                for url in selection.urls(of: remote, for: project) {
                    targets[PushTarget(remote: remote.name, url: url.description, project: project)] =
                        remote.reconcileInterval
                }
            }
        }
        return targets
    }

    private func verify(_ target: PushTarget, configuration: ReplicationConfiguration) async {
        let verification =
            await self.verifier.verify(project: target.project, targets: [target], configuration: configuration).first
            ?? .unlisted(target, .failed, "no answer from the verifier")
        let recorded = self.board.record(verification, at: Date().timeIntervalSince1970)
        self.metrics.drift(remote: target.remote, refs: recorded.drift, oldestVerified: recorded.oldestVerified)
        let repaired = await self.repair(verification, configuration: configuration)
        self.state.withLock { state in
            state.inFlight -= 1
            state.schedule.finished(target, failed: verification.result == .failed || !repaired, now: .now)
        }
    }

    /// Queues the delta that repairs what differs; `false` when it could not be stored.
    private func repair(_ verification: MirrorVerification, configuration: ReplicationConfiguration) async -> Bool {
        let metadata: Logger.Metadata = [
            "replication.project": "\(verification.project)", "replication.remote": "\(verification.remote)",
            "replication.url": "\(verification.url)",
        ]
        switch verification.result {
        case .inSync, .skipped:
            return true
        case .failed:
            self.logger.warning(
                "Reconcile could not verify a mirror",
                metadata: metadata.merging(["error": "\(verification.message ?? "")"]) { $1 }
            )
            return true
        case .differs:
            break
        }
        guard let drift = verification.drift, let remote = configuration.remote(named: verification.remote) else {
            return true
        }
        let repair = DriftRepair(drift, remote: remote)
        for left in repair.reported {
            self.logger.warning(
                "Drift left on the mirror",
                metadata: metadata.merging([
                    "replication.ref": "\(left.drift.ref)", "replication.drift": "\(left.drift.kind.rawValue)",
                    "reason": "\(left.reason)",
                ]) { $1 }
            )
        }
        guard let event = repair.event(project: verification.project, remote: remote.name, url: verification.url)
        else { return true }
        self.logger.notice(
            "Drift found; queueing the differing refs",
            metadata: metadata.merging([
                "replication.refs": "\(repair.refs.count)",
                "replication.drift":
                    "\(drift.counts.filter { $0.value > 0 }.map { "\($0.key.rawValue)=\($0.value)" }.sorted().joined(separator: " "))",
            ]) { $1 }
        )
        do {
            try await self.intake.store([event], source: .reconcile)
            return true
        } catch {
            self.logger.error("Reconcile could not queue its repair", metadata: ["error": "\(error.message)"])
            return false
        }
    }
}
