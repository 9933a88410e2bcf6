import Foundation
import ReplicationCore
import ReplicationGit

/// Creates, moves HEAD of and deletes a mirror where the push will look for it: through the
/// `adminUrl`s that serve its URL (expanded exactly as `url` is), else at the push URL itself.
struct RepositoryCreator {
    let project: String
    let remote: RemoteConfiguration
    let gerrit: GerritOptions
    let head: String?
    let access: SSHAccess
    /// The push's session pool: admin commands reuse its logins.
    var pool: SSHSessionPool? = nil

    /// Local mirrors are created before the push, when missing.
    func createIfMissingLocally(_ url: RemoteURL) throws -> Bool {
        guard url.transport == .local, !FileManager.default.fileExists(atPath: url.path) else { return false }
        guard self.remote.createMissingRepositories else {
            let message = "\(url.path) does not exist and remote.\(self.remote.name).createMissingRepositories is false"
            throw GitError(code: .repositoryNotFound, function: "push", status: -3, message: message)
        }
        try self.create(url)
        return true
    }

    /// Moves HEAD wherever the mirror is administered; `true` when it is known to have moved (a Gerrit
    /// replica's `set-head` does not say whether it changed anything).
    func updateHead(_ url: RemoteURL, to head: String) throws(GitError) -> Bool {
        var moved = false
        for target in self.adminTargets(for: url) {
            if let gerrit = self.gerrit(target.url) {
                try gerrit.setHead(self.project, to: head)
                continue
            }
            let movedHere = try RemoteRepositoryAdmin.updateHead(
                at: target.url,
                to: head,
                gitPath: self.remote.gitPath,
                channel: self.channel
            )
            moved = moved || movedHere
        }
        return moved
    }

    /// Creates the mirror wherever it is administered.
    func create(_ url: RemoteURL) throws(GitError) {
        for target in self.adminTargets(for: url) {
            if let gerrit = self.gerrit(target.url) {
                try gerrit.createProject(self.project, head: self.head)
                continue
            }
            try RemoteRepositoryAdmin.createRepository(
                at: target.url,
                head: self.head,
                gitPath: self.remote.gitPath,
                storeRefLog: self.remote.storeRefLog,
                channel: self.channel
            )
        }
    }

    /// Deletes the mirror wherever it is administered, each only when its path lies strictly below
    /// the fixed part of the URL template it was expanded from (``URLTemplate/deletionProblem(at:)``),
    /// all checked before any is deleted; `true` when there was one to delete.
    func delete(_ url: RemoteURL) throws(GitError) -> Bool {
        let targets = self.adminTargets(for: url)
        guard !targets.isEmpty else {
            let message = "refusing to delete \(url): remote \(self.remote.name) has no adminUrl to reach it"
            throw GitError(code: .invalid, function: "deleting the repository", status: -1, message: message)
        }
        // A Gerrit replica deletes the project it is named; a path is checked against its template.
        for target in targets where !target.url.isGerrit {
            guard let template = target.template else {
                let message =
                    "refusing to delete '\(target.url.path)': no URL of remote \(self.remote.name) expands to it"
                throw GitError(code: .invalid, function: "deleting the repository", status: -1, message: message)
            }
            if let problem = template.deletionProblem(at: target.url.path) {
                throw GitError(
                    code: .invalid,
                    function: "deleting the repository",
                    status: -1,
                    message: "refusing: \(problem)"
                )
            }
        }
        var deleted = false
        for target in targets {
            if let gerrit = self.gerrit(target.url) {
                deleted = try gerrit.deleteProject(self.project) || deleted
                continue
            }
            let deletedHere = try RemoteRepositoryAdmin.deleteRepository(at: target.url, channel: self.channel)
            deleted = deleted || deletedHere
        }
        return deleted
    }

    /// The Gerrit server behind a `gerrit+ssh` or `gerrit+http(s)` adminUrl, else `nil`.
    private func gerrit(_ admin: RemoteURL) -> GerritServer? {
        if admin.isGerritSSH { return .ssh(admin, self.channel) }
        guard admin.isGerritHTTP else { return nil }
        return .rest(
            GerritRESTAdmin(
                admin: admin,
                options: HTTPTransportOptions(remote: self.remote),
                connectTimeout: self.gerrit.sshConnectionTimeout,
                timeout: self.gerrit.sshCommandTimeout
            )
        )
    }

    private var channel: SSHAdminChannel {
        SSHAdminChannel(
            access: self.access,
            connectTimeout: self.gerrit.sshConnectionTimeout,
            timeout: self.gerrit.sshCommandTimeout,
            pool: self.pool
        )
    }

    /// Where the mirror at push URL `url` is administered, with the template each comes from (both
    /// resolved as push URLs are: ssh_config may turn an scp path into `/~/path`): the `adminUrl`s on
    /// `url`'s host and port; when none is there, every `adminUrl` (Gerrit creates at all of them);
    /// without `adminUrl`, the push URL itself and the `url` template that expands to it, when it is
    /// an ssh URL or a local path (a `git://` mirror has no way in but an `adminUrl`).
    private func adminTargets(for url: RemoteURL) -> [(template: URLTemplate?, url: RemoteURL)] {
        let style = self.remote.remoteNameStyle
        let resolve = { (template: URLTemplate) in
            URLTemplate(text: template.text, url: SSHEndpoint.resolve(template.url, remote: self.remote).url)
        }
        let admins = self.remote.adminUrls.map { $0.url.isGerrit ? $0 : resolve($0) }
        guard !admins.isEmpty else {
            guard [.ssh, .local].contains(url.transport) else { return [] }
            let own = self.remote.urls.map(resolve).first {
                $0.expand(project: self.project, style: style).path == url.path
            }
            return [(own, url)]
        }
        let sameHost = admins.filter { $0.url.host == url.host && $0.url.port == url.port }
        return (sameHost.isEmpty ? admins : sameHost).map { admin in
            (admin, admin.url.isGerrit ? admin.url : admin.expand(project: self.project, style: style))
        }
    }
}

/// A Gerrit replica, told the project's name: through its ssh commands or its REST API.
private enum GerritServer {
    case ssh(RemoteURL, SSHAdminChannel)
    case rest(GerritRESTAdmin)

    func createProject(_ project: String, head: String?) throws(GitError) {
        switch self {
        case .ssh(let admin, let channel):
            try GerritSSHAdmin.createProject(project, head: head, at: admin, channel: channel)
        case .rest(let api): try api.createProject(project, head: head)
        }
    }

    func setHead(_ project: String, to head: String) throws(GitError) {
        switch self {
        case .ssh(let admin, let channel): try GerritSSHAdmin.setHead(project, to: head, at: admin, channel: channel)
        case .rest(let api): try api.setHead(project, to: head)
        }
    }

    /// Whether there was a project to delete (Gerrit's ssh command does not say: assumed).
    func deleteProject(_ project: String) throws(GitError) -> Bool {
        switch self {
        case .ssh(let admin, let channel):
            try GerritSSHAdmin.deleteProject(project, at: admin, channel: channel)
            return true
        case .rest(let api): return try api.deleteProject(project)
        }
    }
}
