import Foundation
import Logging
import ReplicationCore
import ReplicationDaemon
import ReplicationGit

/// `start --wait`: the first attempt at every target of the queued full syncs, reported as before.
/// When a daemon holds the store it does the pushes and this only watches; otherwise this process
/// runs an engine limited to these events and stops when each has been tried everywhere.
struct StartWaiter {
    let store: any TaskStore
    let events: [Int64]
    let configuration: ReplicationConfiguration
    let configPath: String
    let expected: Int
    let logger: Logger
    /// `--quiet`: no progress line.
    var quiet = false
    /// What this process's own engine pushed, whole (the store gets it without per-ref lists).
    let handoff = OutcomeHandoff()

    func run() async throws -> PlanReport {
        let progress = ProgressDisplay(total: self.expected, isActive: !self.quiet && isatty(2) == 1)
        guard let lease = try await self.store.acquireExecutorLease(wait: false) else {
            self.logger.notice("A replicator daemon runs pushes from this store; waiting for its results")
            return try await self.waitForOutcomes(progress: progress, ownEngine: false)
        }
        defer { lease.release() }
        // Push what no running node takes (all of it, without a daemon), until every target reported.
        return try await withThrowingTaskGroup(of: PlanReport?.self) { group in
            group.addTask {
                try await self.runEngine(progress: progress)
                return nil
            }
            group.addTask { try await self.waitForOutcomes(progress: progress, ownEngine: true) }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let report = result { return report }
            }
            return try await self.waitForOutcomes(progress: progress, ownEngine: true)
        }
    }

    /// Polls the store until every event has its first outcome at every target. Outcomes (a big
    /// push's report is megabytes) are read when their count changed, or once a second (events
    /// planned for no target add none), and only for events not yet reported: a 600-project sync
    /// decoded every finished outcome again on each read, a third of its own time. With this
    /// process's own engine pushing, the count is read when that engine stored something, or every
    /// 250 ms for what other nodes of a cluster pushed; the outcomes at most every 200 ms until the
    /// count says all are in (in a 600-project sync, a read per push was a fifth of this process's
    /// CPU time).
    private func waitForOutcomes(progress: ProgressDisplay, ownEngine: Bool) async throws -> PlanReport {
        var shown: Set<String> = []
        var reported: [Int64: EventProgress] = [:]
        var seen = -1
        var lastRead = ContinuousClock.now
        var (storedSeen, lastCount) = (-1, ContinuousClock.now)
        while true {
            if ownEngine, self.handoff.storedCount == storedSeen, ContinuousClock.now - lastCount < .milliseconds(250) {
                try await Task.sleep(for: .milliseconds(25))
                continue
            }
            (storedSeen, lastCount) = (self.handoff.storedCount, ContinuousClock.now)
            let count = try await self.store.outcomeCount(of: self.events)
            // Reading progress reads every open event: with its own engine ending a push every few
            // milliseconds, once per 200 ms until the last outcome is in.
            let spacing: Duration = ownEngine && count < self.expected ? .milliseconds(200) : .zero
            let sinceRead = ContinuousClock.now - lastRead
            if (count != seen && sinceRead >= spacing) || sinceRead >= .seconds(1) {
                seen = count
                lastRead = ContinuousClock.now
                let open = self.events.filter { reported[$0] == nil }
                for var state in try await self.store.progress(of: open) {
                    state.outcomes = state.outcomes.map { self.handoff.whole($0, event: state.id) }
                    // Outcomes come back sorted, not in arrival order: key them.
                    for record in state.outcomes where shown.insert("\(state.id) \(record.target)").inserted {
                        progress.finished(record.outcome, at: record.target)
                    }
                    if state.isReported { reported[state.id] = state }
                }
                if reported.count == Set(self.events).count {
                    try await self.store.removeOutcomes(of: self.events)
                    var report = PlanReport()
                    for event in self.events {
                        for record in reported[event]?.outcomes ?? [] {
                            report.add(record.target, output: record.outcome)
                        }
                    }
                    return report
                }
            }
            // A count is one small read; at 100 ms `start --wait` ended 50 ms after its last push on average.
            try await Task.sleep(for: .milliseconds(25))
        }
    }

    /// This process's engine, limited to these events: the daemon's wiring without its HTTP side.
    private func runEngine(progress: ProgressDisplay) async throws {
        var options = EngineOptions(for: self.configuration)
        options.onlyEvents = Set(self.events)
        options.stopWhenReported = true
        options.outcomeHandoff = self.handoff
        options.publishesStatus = false
        let daemon = buildDaemon(
            configuration: self.configuration,
            store: self.store,
            executor: GitPushExecutor(
                configPath: self.configPath,
                snapshots: ConfigSnapshotBox(nil),
                site: SiteAccess(),
                onProgress: { target, event in
                    if case .sent(let bytes) = event { progress.sending(bytes, at: target) }
                }
            ),
            options: options,
            clock: ContinuousClock(),
            projectExists: { _, _ in true },
            logger: self.logger
        )
        try await daemon.engine.run()
    }
}
