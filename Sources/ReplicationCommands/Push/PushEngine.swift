import ReplicationCore
import ReplicationGit

/// Which push engine runs: Replicator's own receive-pack client when a git binary is there for
/// packs (`replicator.gitPath`, else `git` on PATH), libgit2's push otherwise.
enum PushEngine {
    /// Whether pushes run on Replicator's own engine (a git binary is there), in this process.
    static func isAvailable(in configuration: ReplicationConfiguration) -> Bool {
        GitBinary.locate(configuration.daemon.gitPath) != nil
    }

    /// The engine's options for `remote`, or `nil` for the libgit2 fallback.
    static func options(
        for remote: RemoteConfiguration,
        in configuration: ReplicationConfiguration,
        pool: SSHSessionPool,
        cancellation: PushCancellation? = nil,
        beforeCommands: (@Sendable () -> String?)? = nil
    ) -> SendPackOptions? {
        guard let git = GitBinary.locate(configuration.daemon.gitPath) else { return nil }
        var options = SendPackOptions(
            git: git,
            receivePack: remote.receivePack,
            connectTimeout: configuration.gerrit.sshConnectionTimeout,
            timeout: remote.timeout,
            batchSize: remote.pushBatchSize,
            atomicChanges: remote.atomicChanges,
            pool: pool
        )
        options.agent = "replicator/\(ReplicatorVersion.text)"
        options.cancellation = cancellation
        options.beforeCommands = beforeCommands
        options.pushOptions = remote.pushOptions
        options.maxPushSize = remote.maxPushSize
        options.http = HTTPTransportOptions(remote: remote)
        return options
    }

    /// Which engine `config check` says pushes will use.
    struct Description: Encodable {
        var engine: String
        var git: String?
        var gitVersion: String?

        var text: String {
            guard let git else {
                return "libgit2 (no git binary found: full packs, no atomic changes, a worker process per push)"
            }
            return
                "Replicator's receive-pack client, packs from \(git) (git \(self.gitVersion ?? "of unknown version"))"
        }
    }

    static func describe(_ configuration: ReplicationConfiguration) -> Description {
        guard let git = GitBinary.locate(configuration.daemon.gitPath) else {
            return Description(engine: "libgit2", git: nil, gitVersion: nil)
        }
        return Description(engine: "send-pack", git: git, gitVersion: GitBinary.version(git))
    }
}
