import Foundation
import ReplicationCore
import ReplicationGit

/// Where and how to reach a remote over SSH: `~/.ssh/config` applied to the URL (libgit2 1.5 and
/// libssh2 read no ssh_config), then the remote's own `identityFile` and `knownHostsFile` on top.
enum SSHEndpoint {
    static func resolve(_ url: RemoteURL, remote: RemoteConfiguration) -> (url: RemoteURL, access: SSHAccess) {
        guard url.transport == .ssh, let host = url.host else {
            return (url, SSHAccess(identityFile: remote.identityFile, knownHostsFile: remote.knownHostsFile))
        }
        let settings = self.clientConfig.settings(for: host)
        let access = SSHAccess(
            identityFile: remote.identityFile,
            knownHostsFile: remote.knownHostsFile ?? settings.userKnownHostsFile,
            configuredIdentityFiles: settings.identityFiles,
            acceptsUnknownHosts: ["no", "off", "accept-new"].contains(settings.strictHostKeyChecking ?? "yes")
        )
        return (settings.apply(to: url), access)
    }

    /// `~/.ssh/config`, read once per process.
    private static let clientConfig: SSHClientConfig = {
        // $HOME first, as ssh does (Foundation's tilde expansion asks the password database).
        let path = SSHAccess.home + "/.ssh/config"
        return SSHClientConfig(text: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
    }()
}
