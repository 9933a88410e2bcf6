internal import CLibgit2
import Foundation
package import ReplicationCore

/// An anonymous remote of a local repository, connected for pushing. Connects once; libgit2 1.5
/// allows one push per connection.
final class RemoteConnection {
    let handle: OpaquePointer
    let session: RemoteSession
    private(set) var callbacks = git_remote_callbacks()

    init(repository: GitRepository, url: RemoteURL, access: SSHAccess) throws(GitError) {
        if url.transport == .ssh { try access.checkUsable(host: url.host ?? "") }
        var options = git_remote_create_options()
        try check(
            "git_remote_create_options_init",
            git_remote_create_options_init(&options, UInt32(GIT_REMOTE_CREATE_OPTIONS_VERSION))
        )
        options.repository = repository.handle
        // insteadOf was already applied from replication.config; the user's ~/.gitconfig must not apply.
        options.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF.rawValue | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC.rawValue
        var handle: OpaquePointer?
        try check("git_remote_create_with_opts", git_remote_create_with_opts(&handle, Self.libgit2URL(url), &options))
        self.handle = handle!
        self.session = RemoteSession(access: access, host: url.host, port: url.port)
        try check(
            "git_remote_init_callbacks",
            git_remote_init_callbacks(&self.callbacks, UInt32(GIT_REMOTE_CALLBACKS_VERSION))
        )
        self.callbacks.credentials = { out, _, user, allowed, payload in
            RemoteSession.from(payload).credential(out, user: user, allowed: allowed)
        }
        self.callbacks.certificate_check = { certificate, _, _, payload in
            RemoteSession.from(payload).checkHostKey(certificate)
        }
        self.callbacks.payload = Unmanaged.passUnretained(self.session).toOpaque()
    }

    deinit {
        git_remote_disconnect(self.handle)
        git_remote_free(self.handle)
    }

    /// libgit2 1.5 rejects `scheme://` URLs whose path needs escaping (a space is "malformed") and
    /// does not decode escapes in ssh paths; its scp-like `[user@host:port]:path` form takes the path
    /// verbatim, and `file://` URLs work as plain paths.
    static func libgit2URL(_ url: RemoteURL) -> String {
        guard url.scheme != nil, PathSegmentEscaping.escape(url.path) != url.path else { return url.description }
        if url.transport == .local { return url.path }
        guard url.transport == .ssh, let host = url.host else { return url.description }
        let user = url.user.map { "\($0)@" } ?? ""
        let port = url.port.map { ":\($0)" } ?? ""
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return "[\(user)\(bracketed)\(port)]:\(url.path)"
    }

    /// Runs `git-receive-pack` on the remote (what a push will talk to).
    func connectForPush() throws(GitError) {
        let status = git_remote_connect(self.handle, GIT_DIRECTION_PUSH, &self.callbacks, nil, nil)
        guard status >= 0 else { throw self.session.failure ?? GitError.last("git_remote_connect", status: status) }
    }

    /// The refs receive-pack advertised, peeled entries left out.
    func advertisedRefs() throws(GitError) -> RefTable {
        var heads: UnsafeMutablePointer<UnsafePointer<git_remote_head>?>?
        var count = 0
        try check("git_remote_ls", git_remote_ls(&heads, &count, self.handle))
        var refs = RefTable.Builder(capacity: count)
        for index in 0..<count {
            guard let head = heads?[index] else { continue }
            let name = String(cString: head.pointee.name)
            guard !name.hasSuffix("^{}") else { continue }
            withUnsafePointer(to: head.pointee.oid) { refs.append(name, ObjectID($0)) }
        }
        return refs.build()
    }
}

extension GitRepository {
    /// The refs the remote at `url` advertises to a push.
    package func listRemoteRefs(url: RemoteURL, access: SSHAccess) throws(GitError) -> RefTable {
        // libgit2 reports a missing local path as "unsupported URL protocol"; say what it is.
        if url.transport == .local {
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw GitError(
                    code: .repositoryNotFound,
                    function: "listRemoteRefs",
                    status: -3,
                    message: "\(url.path) does not exist"
                )
            }
            // libgit2's local transport stats packed-refs and a loose file for every ref (400k
            // syscalls for 100k refs); one pass of the reference iterator reads the same refs.
            var refs = try GitRepository(path: url.path).readRefs().refs
            refs = refs.removing("HEAD")  // receive-pack does not advertise HEAD
            return refs
        }
        let connection = try RemoteConnection(repository: self, url: url, access: access)
        try connection.connectForPush()
        return try connection.advertisedRefs()
    }
}
