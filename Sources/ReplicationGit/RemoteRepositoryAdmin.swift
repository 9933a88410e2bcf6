import Foundation
package import ReplicationCore

/// Creates missing repositories on mirrors, as Gerrit's `RemoteSsh` and `LocalFS` do, at exactly
/// the path the push uses.
package enum RemoteRepositoryAdmin {
    /// `mkdir -p P && cd P && git init --bare && git symbolic-ref HEAD H`, Bourne-quoted, over ssh;
    /// a bare repository on the local filesystem.
    package static func createRepository(
        at url: RemoteURL,
        head: String?,
        gitPath: String?,
        storeRefLog: Bool,
        access: SSHAccess,
        connectTimeout: Duration,
        timeout: Duration
    ) throws(GitError) {
        guard url.transport == .ssh else {
            try GitRepository.createBare(at: url.path, head: head, storeRefLog: storeRefLog)
            return
        }
        let git = ShellQuoting.quote(gitPath ?? "git")
        let path = ShellQuoting.quote(url.path)
        var command = "mkdir -p \(path) && cd \(path) && \(git) init --quiet --bare"
        if let head { command += " && \(git) symbolic-ref HEAD \(ShellQuoting.quote(head))" }
        let result = try SSHCommand.run(
            command,
            on: url,
            access: access,
            connectTimeout: connectTimeout,
            timeout: timeout
        )
        guard result.status == 0 else {
            let detail = result.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            throw GitError(
                code: .other,
                function: "createRepository",
                status: result.status,
                message: "creating \(url) failed: \(detail)"
            )
        }
    }
}

extension RemoteRepositoryAdmin {
    /// Points the mirror's HEAD at `head` unless it already does; `true` when it moved.
    package static func updateHead(
        at url: RemoteURL,
        to head: String,
        gitPath: String?,
        access: SSHAccess,
        connectTimeout: Duration,
        timeout: Duration
    ) throws(GitError) -> Bool {
        guard url.transport == .ssh else { return try GitRepository(path: url.path).setHead(head) }
        let git = ShellQuoting.quote(gitPath ?? "git")
        let target = ShellQuoting.quote(head)
        let command =
            "cd \(ShellQuoting.quote(url.path)) && { [ \"$(\(git) symbolic-ref -q HEAD)\" = \(target) ] "
            + "|| { \(git) symbolic-ref HEAD \(target) && echo moved; }; }"
        let result = try SSHCommand.run(
            command,
            on: url,
            access: access,
            connectTimeout: connectTimeout,
            timeout: timeout
        )
        guard result.status == 0 else {
            throw GitError(
                code: .other,
                function: "updateHead",
                status: result.status,
                message: "setting HEAD of \(url) failed: \(result.errorOutput)"
            )
        }
        return result.output.contains("moved")
    }
}

/// POSIX shell single quoting: `it's` → `'it'\''s'`.
package enum ShellQuoting {
    package static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
