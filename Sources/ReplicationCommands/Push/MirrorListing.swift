import Foundation
import ReplicationCore
import ReplicationGit

extension GitRepository {
    /// What the mirror at `url` advertises, through the push engine's channel (ssh_config applied,
    /// pooled sessions), or `nil` when the repository does not exist there.
    func listMirror(
        _ url: RemoteURL,
        remote: RemoteConfiguration,
        configuration: ReplicationConfiguration,
        pool: SSHSessionPool
    ) throws(GitError) -> RefTable? {
        let endpoint = SSHEndpoint.resolve(url, remote: remote)
        do {
            return try self.listRemoteRefs(
                url: endpoint.url,
                access: endpoint.access,
                options: PushEngine.options(for: remote, in: configuration, pool: pool)
            )
        } catch  where error.code == .repositoryNotFound {
            return nil
        }
    }
}
