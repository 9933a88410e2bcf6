import Foundation
import ReplicationCore
import ReplicationDaemon
import ReplicationGit
import Synchronization

/// The daemon's ``PushExecutor``. With a git binary, each push runs in this process on a thread
/// of its own, over the daemon's shared ssh session pool, every network step bounded by the
/// remote's timeouts; without one (libgit2's push cannot be interrupted), in a supervised
/// `push-worker` process. Either way the output is classified for the scheduler.
struct WorkerPushExecutor: PushExecutor {
    let configuration: ConfigurationBox
    let supervisor: PushSupervisor
    var pool = SSHSessionPool()

    func push(_ work: PushWork, to target: PushTarget) async -> PushExecution {
        let configuration = self.configuration.current
        guard let remote = configuration.remote(named: target.remote),
            let url = try? RemoteURL(parsing: target.url)
        else {
            return PushExecution(result: .sourceMissing("remote \(target.remote) is no longer configured"))
        }
        let inProcess = PushEngine.isAvailable(in: configuration)
        let replicationTarget = ReplicationTarget(project: target.project, remote: remote, url: url)
        let cancellation = PushCancellation()
        let output = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                // Pushes block their thread; keep them off the cooperative pool.
                Thread.detachNewThread {
                    let output =
                        inProcess
                        ? self.pushHere(work, to: target, configuration: configuration, cancellation: cancellation)
                        : self.supervisor.push(
                            replicationTarget,
                            work: work,
                            configSnapshot: self.configuration.snapshot
                        ) { cancellation.isCancelled }
                    continuation.resume(returning: output)
                }
            }
        } onCancel: {
            cancellation.cancel()
        }
        return PushExecution(output)
    }

    private func pushHere(
        _ work: PushWork,
        to target: PushTarget,
        configuration: ReplicationConfiguration,
        cancellation: PushCancellation
    ) -> PushWorkerOutput {
        PushJobRun.output {
            PushJobRun(
                configuration: configuration,
                job: PushWorkerJob(remote: target.remote, project: target.project, url: target.url, work: work),
                pool: self.pool,
                cancellation: cancellation,
                announce: { _ in }
            )
        }
    }
}

extension PushExecution {
    init(_ output: PushWorkerOutput) {
        let detail = (try? JSONEncoder().encode(output)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        var outcomes: [String: Int] = [:]
        for result in output.report?.results ?? [] { outcomes[result.status.rawValue, default: 0] += 1 }
        if let upToDate = output.report?.plan.upToDate, upToDate > 0 { outcomes["up-to-date", default: 0] += upToDate }
        var notes: [String: String] = [:]
        if output.report?.createdRepository == true { notes["repository.created"] = "true" }
        if let deleted = output.deletedRepository { notes["repository.deleted"] = "\(deleted)" }
        if let head = output.updatedHead { notes["head"] = head }
        self.init(
            result: output.attemptResult,
            refOutcomes: outcomes,
            bytesSent: output.report?.bytesSent ?? 0,
            detail: detail,
            notes: notes
        )
        self.refProblems = (output.report?.results ?? []).filter { $0.status == .rejected || $0.status == .failed }
            .map { RefProblem(ref: $0.update.destination, status: $0.status.rawValue, reason: $0.message ?? "") }
        // Deletions refused for want of proof are worth a line each in the replication log.
        self.refProblems += (output.report?.plan.skipped ?? []).filter {
            $0.reason.hasPrefix("not deleted: the mirror has")
        }
        .map { RefProblem(ref: $0.ref, status: "not-deleted", reason: $0.reason) }
    }
}

extension PushWorkerOutput {
    /// `permanent` failures need a person (keys, host keys, a mirror that may not be created);
    /// everything else may go away by itself.
    static func errorClass(of code: String) -> String {
        ["authentication", "hostKey", "repositoryNotFound", "invalid", SourceMissing.code].contains(code)
            ? "permanent" : "transient"
    }

    var attemptResult: PushAttemptResult {
        if let error {
            if error.code == SourceMissing.code { return .sourceMissing(error.message) }
            if error.code == DeletionRefused.code { return .refsRejected(error.message) }
            return Self.errorClass(of: error.code) == "permanent"
                ? .permanentFailure(code: error.code, message: error.message)
                : .transientFailure(code: error.code, message: error.message)
        }
        guard let report else { return .succeeded }
        if let blocked = report.plan.blocked { return .blocked(blocked, deletions: report.plan.deletions.count) }
        if let failure = report.failure { return .transientFailure(code: "network", message: failure) }
        if report.hasUpdateRefFailure {
            return .updateRefFailed(
                Self.describe(report.results.filter { RefResult.isUpdateRefFailure($0.message ?? "") })
            )
        }
        let unconfirmed = report.results.filter { $0.status == .failed }
        if !unconfirmed.isEmpty { return .transientFailure(code: "network", message: Self.describe(unconfirmed)) }
        let rejected = report.results.filter { $0.status == .rejected }
        return rejected.isEmpty ? .succeeded : .refsRejected(Self.describe(rejected))
    }

    private static func describe(_ results: [RefResult]) -> String {
        let shown = results.prefix(3).map { "\($0.update.destination): \($0.message ?? $0.status.rawValue)" }
        let more = results.count > 3 ? " (+\(results.count - 3) more)" : ""
        return shown.joined(separator: "; ") + more
    }
}

/// The configuration the daemon runs with, and the snapshot of the files it came from (handed to
/// every push worker); replaced on reload.
final class ConfigurationBox: Sendable {
    private let value: Mutex<(configuration: ReplicationConfiguration, snapshot: Data?)>

    init(_ configuration: ReplicationConfiguration, snapshot: Data? = nil) {
        self.value = Mutex((configuration, snapshot))
    }

    var current: ReplicationConfiguration { self.value.withLock { $0.configuration } }
    var snapshot: Data? { self.value.withLock { $0.snapshot } }

    func replace(_ configuration: ReplicationConfiguration, snapshot: Data?) {
        self.value.withLock { $0 = (configuration, snapshot) }
    }
}
