import Foundation
package import ReplicationCore

/// How admin commands reach a mirror over ssh: the remote's keys and host-key policy, with the
/// connect and command timeouts (`gerrit.sshConnectionTimeout`, `gerrit.sshCommandTimeout`).
package struct SSHAdminChannel: Sendable {
    package var access: SSHAccess
    package var connectTimeout: Duration
    package var timeout: Duration
    /// Sessions shared with the pushes (a command then costs a channel, not a login).
    package var pool: SSHSessionPool?

    package init(access: SSHAccess, connectTimeout: Duration, timeout: Duration, pool: SSHSessionPool? = nil) {
        self.access = access
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.pool = pool
    }

    /// Runs `command` on `url`'s host; its standard output, or an error naming `purpose`.
    func run(_ command: String, on url: RemoteURL, purpose: String) throws(GitError) -> String {
        let result = try self.execute(command, on: url)
        guard result.status == 0 else {
            let detail = result.errorOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            throw GitError(
                code: .other,
                function: purpose,
                status: result.status,
                message: "\(purpose) at \(url) failed: \(detail)"
            )
        }
        return result.output
    }
}

extension SSHAdminChannel {
    /// Runs `command` on `url`'s host and returns how it ended, whatever its exit status.
    func status(of command: String, on url: RemoteURL) throws(GitError) -> SSHCommandResult {
        try self.execute(command, on: url)
    }

    fileprivate func execute(_ command: String, on url: RemoteURL) throws(GitError) -> SSHCommandResult {
        guard let pool = self.pool else {
            return try SSHCommand.run(
                command,
                on: url,
                access: self.access,
                connectTimeout: self.connectTimeout,
                timeout: self.timeout
            )
        }
        return try pool.withSession(SSHEndpointKey(url: url, access: self.access), connectTimeout: self.connectTimeout)
        {
            (session) throws(GitError) in
            let result = try session.run(command, timeout: self.timeout)
            return result
        }
    }
}

/// Creates missing repositories on mirrors and moves their HEAD, as Gerrit's `RemoteSsh` and
/// `LocalFS` do, at exactly the path the push uses.
package enum RemoteRepositoryAdmin {
    /// `mkdir -p P && cd P && git init --bare && git symbolic-ref HEAD H`, Bourne-quoted, over ssh
    /// (with `git config core.logAllRefUpdates true` for `storeRefLog`, which Gerrit applies to local
    /// mirrors only); a bare repository on the local filesystem.
    package static func createRepository(
        at url: RemoteURL,
        head: String?,
        gitPath: String?,
        storeRefLog: Bool,
        channel: SSHAdminChannel
    ) throws(GitError) {
        guard url.transport == .ssh else {
            try Self.requireLocal(url)
            try GitRepository.createBare(at: url.path, head: head, storeRefLog: storeRefLog)
            return
        }
        let git = ShellQuoting.quote(gitPath ?? "git")
        let path = ShellQuoting.quote(path: url.path)
        var command = "mkdir -p \(path) && cd \(path) && \(git) init --quiet --bare"
        if let head { command += " && \(git) symbolic-ref HEAD \(ShellQuoting.quote(head))" }
        if storeRefLog { command += " && \(git) config core.logAllRefUpdates true" }
        _ = try channel.run(command, on: url, purpose: "creating the repository")
    }

    /// Only ssh URLs and local paths can be administered here; anything else is never mistaken for a
    /// path on this machine.
    private static func requireLocal(_ url: RemoteURL) throws(GitError) {
        guard url.transport != .local else { return }
        throw GitError(
            code: .invalid,
            function: "administering",
            status: -1,
            message: "cannot administer \(url) over \(url.scheme ?? "this transport")"
        )
    }

    /// Points the mirror's HEAD at `head` unless it already does; `true` when it moved.
    package static func updateHead(at url: RemoteURL, to head: String, gitPath: String?, channel: SSHAdminChannel)
        throws(GitError)
        -> Bool
    {
        guard url.transport == .ssh else {
            try Self.requireLocal(url)
            if Self.bareHead(at: url.path) == "ref: \(head)\n" { return false }
            return try GitRepository(path: url.path).setHead(head)
        }
        let git = ShellQuoting.quote(gitPath ?? "git")
        let target = ShellQuoting.quote(head)
        let command =
            "cd \(ShellQuoting.quote(path: url.path)) && { [ \"$(\(git) symbolic-ref -q HEAD)\" = \(target) ] "
            + "|| { \(git) symbolic-ref HEAD \(target) && echo moved; }; }"
        return try channel.run(command, on: url, purpose: "setting HEAD").contains("moved")
    }
}

extension RemoteRepositoryAdmin {
    /// The `HEAD` file of the bare repository at `path` (one with `objects/` beside it), as it
    /// stands; `nil` for anything else. A HEAD already right is seen without opening the repository
    /// in libgit2, which loads every config file first.
    static func bareHead(at path: String) -> String? {
        guard access(path + "/objects", F_OK) == 0, let data = FileManager.default.contents(atPath: path + "/HEAD"),
            data.count < 1024
        else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Deletes a mirror (Gerrit's `rm -rf` for ssh, a recursive delete for local paths); `false`
    /// when there was nothing to delete. The caller has checked the path against its URL template;
    /// here, there and then, it must be a git repository (`HEAD` and `objects/`), or nothing is
    /// deleted.
    package static func deleteRepository(at url: RemoteURL, channel: SSHAdminChannel) throws(GitError) -> Bool {
        let path = url.path
        guard path.count > 1, !path.split(separator: "/").contains("..") else {
            throw Self.refusal("refusing to delete '\(path)'")
        }
        guard url.transport == .ssh else {
            try Self.requireLocal(url)
            guard FileManager.default.fileExists(atPath: path) else { return false }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path + "/HEAD"),
                FileManager.default.fileExists(atPath: path + "/objects", isDirectory: &isDirectory),
                isDirectory.boolValue
            else {
                throw Self.refusal("refusing to delete '\(path)': it is not a git repository (no HEAD and objects/)")
            }
            do {
                try FileManager.default.removeItem(atPath: path)
            } catch {
                throw GitError(code: .other, function: "deleting the repository", status: -1, message: "\(error)")
            }
            return true
        }
        let quoted = ShellQuoting.quote(path: path)
        let command =
            "if [ -e \(quoted) ]; then if [ -f \(quoted)/HEAD ] && [ -d \(quoted)/objects ]; "
            + "then rm -rf \(quoted) && echo deleted; else echo not-a-repository; fi; fi"
        let output = try channel.run(command, on: url, purpose: "deleting the repository")
        if output.contains("not-a-repository") {
            throw Self.refusal("refusing to delete '\(path)' on \(url.host ?? ""): it is not a git repository")
        }
        return output.contains("deleted")
    }

    private static func refusal(_ message: String) -> GitError {
        GitError(code: .invalid, function: "deleting the repository", status: -1, message: message)
    }
}

/// POSIX shell single quoting: `it's` → `'it'\''s'`.
package enum ShellQuoting {
    package static func quote(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A path as an argument: quoted, and `./`-prefixed when it starts with `-`, so that `mkdir`,
    /// `cd` or `rm` never read a project such as `-x` (a relative scp path) as an option.
    package static func quote(path: String) -> String {
        self.quote(path.hasPrefix("-") ? "./" + path : path)
    }
}
