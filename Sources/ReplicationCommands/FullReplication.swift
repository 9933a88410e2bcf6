import Foundation
import ReplicationCore

/// `start` without `--dry-run`: a full sync of every selected project × remote × URL, each push in a
/// supervised worker process; at most `threads` pushes run at once per remote.
struct FullReplication {
    let configuration: ReplicationConfiguration
    let selection: ReplicationSelection
    let supervisor: PushSupervisor
    let log: ReplicationLog

    func run() async throws -> PlanReport {
        let projects = try self.selection.projects(in: self.configuration)
        var report = PlanReport(errors: projects.missing)
        let targets = projects.selected.flatMap { self.selection.targets(for: $0, in: self.configuration) }
        let outputs = await self.pushAll(targets)
        for (target, (output, duration)) in zip(targets, outputs) {
            if let pushed = output.report {
                report.plans.append(PlanReport.Plan(target: target, pushed: pushed))
                self.log.pushed(report.plans[report.plans.count - 1], duration: duration)
            } else {
                report.errors.append(
                    .init(
                        project: target.project,
                        remote: target.remote.name,
                        url: target.url.description,
                        message: output.error?.message ?? "unknown failure",
                        code: output.error?.code ?? "other"
                    )
                )
                self.log.failed(report.errors[report.errors.count - 1], duration: duration)
            }
        }
        return report
    }

    /// Remotes run side by side, so a slow remote never starves another; within one remote at most
    /// `threads` URLs are pushed at once.
    private func pushAll(_ targets: [ReplicationTarget]) async -> [(PushWorkerOutput, Duration)] {
        let byRemote = Dictionary(grouping: targets.indices, by: { targets[$0].remote.name })
        var outputs = [(PushWorkerOutput, Duration)?](repeating: nil, count: targets.count)
        let progress = ProgressDisplay(total: targets.count)
        await withTaskGroup(of: [(Int, (PushWorkerOutput, Duration))].self) { group in
            for indices in byRemote.values {
                group.addTask {
                    await self.push(indices, of: targets, limit: targets[indices[0]].remote.threads, progress: progress)
                }
            }
            for await finished in group {
                for (index, output) in finished { outputs[index] = output }
            }
        }
        return outputs.map { $0! }
    }

    private func push(
        _ indices: [Int],
        of targets: [ReplicationTarget],
        limit: Int,
        progress: ProgressDisplay
    ) async -> [(Int, (PushWorkerOutput, Duration))] {
        await withTaskGroup(of: (Int, (PushWorkerOutput, Duration)).self) { group in
            var pending = indices[...]
            var finished: [(Int, (PushWorkerOutput, Duration))] = []
            for _ in 0..<max(1, limit) {
                guard let index = pending.popFirst() else { break }
                group.addTask { (index, await self.push(targets[index])) }
            }
            for await result in group {
                finished.append(result)
                progress.finished(result.1.0)
                if let index = pending.popFirst() { group.addTask { (index, await self.push(targets[index])) } }
            }
            return finished
        }
    }

    /// The worker blocks its thread while it waits; keep that off the cooperative pool.
    private func push(_ target: ReplicationTarget) async -> (PushWorkerOutput, Duration) {
        let supervisor = self.supervisor
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                let clock = ContinuousClock()
                let started = clock.now
                let output = supervisor.push(target)
                continuation.resume(returning: (output, clock.now - started))
            }
        }
    }
}

extension PlanReport.Plan {
    init(target: ReplicationTarget, pushed: PushReport) {
        // Results follow plan.updates one to one (PushReport's invariant): pair them by position.
        self.init(
            project: target.project,
            remote: target.remote.name,
            url: target.url.description,
            plan: pushed.plan,
            updates: pushed.results.map { PlanReport.Update(update: $0.update, fastForward: nil, result: $0) },
            remoteMissing: pushed.createdRepository,
            serverMessages: pushed.serverMessages,
            updatedHead: pushed.updatedHead
        )
    }
}
