import Foundation
import ReplicationCore
import ReplicationDaemon
import ReplicationGit
import Synchronization

/// The engine's ``PushExecutor``. With a git binary, each push runs in this process on a thread
/// of its own, over the shared ssh session pool, every network step bounded by the remote's
/// timeouts; without one (libgit2's push cannot be interrupted), in a supervised `push-worker`
/// process that loads `snapshots`' files (or `configPath` when there is no snapshot).
struct GitPushExecutor: PushExecutor {
    let configPath: String
    let snapshots: ConfigSnapshotBox
    var pool = SSHSessionPool()
    /// The site's access rules, cached from push to push.
    let site: SiteAccess
    /// Hears each in-process push's progress (`start --wait`'s progress line): bytes sent so far.
    var onProgress: (@Sendable (PushTarget, PushProgress) -> Void)?

    func push(
        _ work: PushWork,
        to target: PushTarget,
        configuration: ReplicationConfiguration,
        fence: PushFence
    ) async -> PushOutcome {
        guard let remote = configuration.remote(named: target.remote),
            let url = try? RemoteURL(parsing: target.url)
        else {
            let message = "remote \(target.remote) is no longer configured"
            return PushOutcome(error: .init(code: .sourceMissing, message: message))
        }
        let supervisor = PushSupervisor(
            configPath: self.configPath,
            connectTimeout: configuration.gerrit.sshConnectionTimeout
        )
        let inProcess = PushEngine.isAvailable(in: configuration)
        let replicationTarget = ReplicationTarget(project: target.project, remote: remote, url: url)
        let cancellation = PushCancellation()
        let snapshot = self.snapshots.snapshot
        return await withTaskCancellationHandler {
            await BlockingWork.run {
                inProcess
                    ? self.pushHere(
                        work,
                        to: target,
                        configuration: configuration,
                        cancellation: cancellation,
                        fence: fence
                    )
                    : supervisor.push(replicationTarget, work: work, configSnapshot: snapshot) { cancellation.reason }
            }
        } onCancel: {
            // The engine cancels a push at the end of a drain, or when its fence closed.
            cancellation.cancel(
                reason: fence.closedReason.map { "stopped: \($0); the push stays queued" }
                    ?? PushCancellation.shutdownReason
            )
        }
    }

    private func pushHere(
        _ work: PushWork,
        to target: PushTarget,
        configuration: ReplicationConfiguration,
        cancellation: PushCancellation,
        fence: PushFence
    ) -> PushOutcome {
        PushJobRun.output {
            PushJobRun(
                configuration: configuration,
                job: PushWorkerJob(remote: target.remote, project: target.project, url: target.url, work: work),
                pool: self.pool,
                site: self.site,
                cancellation: cancellation,
                announce: { [onProgress] progress in onProgress?(target, progress) },
                beforeChanges: { fence.checkBeforeCommands() }
            )
        }
    }
}

/// The snapshot of the files the running configuration was loaded from (``ConfigSnapshot``), handed
/// to push workers so that they run under that configuration even after the files changed;
/// replaced when a reload is accepted.
final class ConfigSnapshotBox: Sendable {
    private let value: Mutex<Data?>

    init(_ snapshot: Data?) { self.value = Mutex(snapshot) }

    var snapshot: Data? { self.value.withLock { $0 } }

    func replace(_ snapshot: Data) { self.value.withLock { $0 = snapshot } }
}
