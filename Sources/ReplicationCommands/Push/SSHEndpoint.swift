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
            acceptsUnknownHosts: ["no", "off", "accept-new"].contains(settings.strictHostKeyChecking ?? "yes"),
            refusal: settings.refusals.isEmpty ? nil : settings.refusals.joined(separator: "; ")
        )
        return (settings.apply(to: url), access)
    }

    /// `~/.ssh/config` with its `Include`s, read once per process.
    private static let clientConfig: SSHClientConfig = {
        // $HOME first, as ssh does (Foundation's tilde expansion asks the password database).
        let path = SSHAccess.home + "/.ssh/config"
        return SSHClientConfig(
            text: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "",
            path: path,
            include: Self.readInclude
        )
    }()

    /// OpenSSH's `Include` argument: `~/` is the home directory, a relative path is under `~/.ssh`,
    /// and globs expand (sorted, as glob(3) sorts them); files that cannot be read are skipped.
    static func readInclude(_ pattern: String) -> [(path: String, text: String)] {
        let home = SSHAccess.home
        let expanded =
            pattern.hasPrefix("~/")
            ? home + pattern.dropFirst(1) : pattern.hasPrefix("/") ? pattern : "\(home)/.ssh/\(pattern)"
        var matches = glob_t()
        defer { globfree(&matches) }
        guard glob(expanded, 0, nil, &matches) == 0 else { return [] }
        return (0..<Int(matches.gl_pathc)).compactMap { index in
            guard let pointer = matches.gl_pathv[index] else { return nil }
            let path = String(cString: pointer)
            return (try? String(contentsOfFile: path, encoding: .utf8)).map { (path, $0) }
        }
    }
}
