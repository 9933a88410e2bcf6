#if canImport(Glibc)
    import Glibc
#endif

/// How to authenticate to an SSH remote and verify its host key.
package struct SSHAccess: Hashable, Sendable {
    /// The private key; `nil` means the user's default `~/.ssh/id_ed25519`, then `~/.ssh/id_ecdsa`.
    package var identityFile: String?
    /// The known_hosts file; `nil` means `~/.ssh/known_hosts`.
    package var knownHostsFile: String?

    /// `IdentityFile` lines of `~/.ssh/config` for this host, tried after `identityFile`.
    package var configuredIdentityFiles: [String]
    /// `StrictHostKeyChecking no` or `accept-new`: a host missing from known_hosts is accepted (a
    /// changed key never is).
    package var acceptsUnknownHosts: Bool
    /// Why this host must not be reached as configured (`~/.ssh/config` asks for a `ProxyJump` that
    /// Replicator cannot make): every connection fails with it, permanently, instead of silently
    /// connecting another way.
    package var refusal: String?

    package init(
        identityFile: String? = nil,
        knownHostsFile: String? = nil,
        configuredIdentityFiles: [String] = [],
        acceptsUnknownHosts: Bool = false,
        refusal: String? = nil
    ) {
        self.identityFile = identityFile
        self.knownHostsFile = knownHostsFile
        self.configuredIdentityFiles = configuredIdentityFiles
        self.acceptsUnknownHosts = acceptsUnknownHosts
        self.refusal = refusal
    }

    /// The refusal as the error every connection attempt fails with.
    func checkUsable(host: String) throws(GitError) {
        guard let refusal = self.refusal else { return }
        throw GitError(
            code: .invalid,
            function: "ssh",
            status: -1,
            message: "refusing to connect to \(host): \(refusal)"
        )
    }

    /// The private key files to offer, in order; the first that exists is used.
    var candidateKeys: [String] {
        if let identityFile { return [Self.expandingTilde(identityFile)] }
        return self.configuredIdentityFiles.map(Self.expandingTilde)
            + ["id_ed25519", "id_ecdsa"].map { "\(Self.home)/.ssh/\($0)" }
    }

    /// How a connection may authenticate, in order.
    enum KeyAttempt: CustomStringConvertible {
        case agent
        case file(String)

        var description: String {
            switch self {
            case .agent: "from ssh-agent"
            case .file(let path): path
            }
        }
    }

    var keyAttempts: [KeyAttempt] {
        var attempts: [KeyAttempt] = []
        if self.identityFile == nil, getenv("SSH_AUTH_SOCK") != nil { attempts.append(.agent) }
        if let key = self.candidateKeys.first(where: { access($0, R_OK) == 0 }) { attempts.append(.file(key)) }
        return attempts
    }

    var effectiveKnownHostsFile: String {
        Self.expandingTilde(self.knownHostsFile ?? "~/.ssh/known_hosts")
    }

    package static var home: String {
        if let home = getenv("HOME") { return String(cString: home) }
        return getpwuid(getuid()).map { String(cString: $0.pointee.pw_dir) } ?? "/"
    }

    /// The login name, used when a URL names no user (as ssh does).
    static var currentUser: String {
        getpwuid(getuid()).map { String(cString: $0.pointee.pw_name) } ?? "root"
    }

    static func expandingTilde(_ path: String) -> String {
        path.hasPrefix("~/") ? self.home + path.dropFirst() : path
    }
}
