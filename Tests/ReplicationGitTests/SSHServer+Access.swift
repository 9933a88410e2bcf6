import ReplicationGit
import ReplicationTestSupport

extension SSHServer {
    /// How a client reaches this server: its client key and a known_hosts file that trusts it.
    var access: SSHAccess { SSHAccess(identityFile: self.clientKey, knownHostsFile: self.knownHosts) }
}
