import Foundation
import Logging
import ReplicationCore
import ReplicationDaemon

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

    func run() async throws -> PlanReport {
        let progress = ProgressDisplay(total: self.expected)
        guard let lease = try await self.store.acquireExecutorLease(wait: false) else {
            self.logger.notice("A replicator daemon runs pushes from this store; waiting for its results")
            return try await self.waitForOutcomes(progress: progress)
        }
        defer { lease.release() }
        // Push what no running node takes (all of it, without a daemon), until every target reported.
        return try await withThrowingTaskGroup(of: PlanReport?.self) { group in
            group.addTask {
                try await self.runEngine(progress: progress)
                return nil
            }
            group.addTask { try await self.waitForOutcomes(progress: progress) }
            defer { group.cancelAll() }
            while let result = try await group.next() {
                if let report = result { return report }
            }
            return try await self.waitForOutcomes(progress: progress)
        }
    }

    /// Polls the store until every event has its first outcome at every target. Outcomes (a big
    /// push's report is megabytes) are read and decoded when their count changed, or once a second
    /// (events planned for no target add none), and each is decoded once.
    private func waitForOutcomes(progress: ProgressDisplay) async throws -> PlanReport {
        var decoded: [String: PushWorkerOutput?] = [:]
        var seen = -1
        var lastRead = ContinuousClock.now
        while true {
            let count = try await self.store.outcomeCount(of: self.events)
            if count != seen || ContinuousClock.now - lastRead >= .seconds(1) {
                seen = count
                lastRead = ContinuousClock.now
                let states = try await self.store.progress(of: self.events)
                for state in states {
                    // Outcomes come back sorted, not in arrival order: key them.
                    for outcome in state.outcomes {
                        let key = "\(state.id) \(outcome.target)"
                        guard decoded[key] == nil else { continue }
                        let output = try? JSONDecoder().decode(PushWorkerOutput.self, from: Data(outcome.detail.utf8))
                        decoded[key] = .some(output)
                        progress.finished(output ?? PushWorkerOutput(report: nil, error: nil))
                    }
                }
                if states.allSatisfy(\.isReported) {
                    try await self.store.removeOutcomes(of: self.events)
                    var report = PlanReport()
                    for state in states {
                        for outcome in state.outcomes {
                            let output = decoded["\(state.id) \(outcome.target)"] ?? nil
                            report.add(outcome.target, result: outcome.result, output: output)
                        }
                    }
                    return report
                }
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    private func runEngine(progress: ProgressDisplay) async throws {
        var options = EngineOptions()
        options.onlyEvents = Set(self.events)
        options.stopWhenReported = true
        options.leaseRenewInterval = self.configuration.daemon.leaseTimeout / 3
        let engine = ReplicationEngine(
            store: self.store,
            executor: WorkerPushExecutor(
                configuration: ConfigurationBox(self.configuration),
                supervisor: PushSupervisor(
                    configPath: self.configPath,
                    connectTimeout: self.configuration.gerrit.sshConnectionTimeout
                )
            ),
            configuration: self.configuration,
            options: options,
            logger: self.logger
        )
        try await engine.run()
    }
}
