internal import CLibgit2
import Foundation

/// State shared with libgit2's C callbacks for one connection: credentials (offered once, so a
/// rejected key fails instead of looping), host-key verification, and per-ref push results.
final class RemoteSession {
    let access: SSHAccess
    let host: String?
    let port: Int
    private var keyAttempts = 0
    /// A failure described by a callback; clearer than what libgit2 reports afterwards.
    var failure: GitError?
    /// `push_update_reference` results by remote ref: "" for ok, else the server's reason.
    var referenceStatuses: [String: String] = [:]
    var serverMessages = ""
    var bytesSent = 0 {
        didSet { self.onProgress?(.sent(bytes: self.bytesSent)) }
    }
    /// Told about every sign of life, so that a supervisor can tell a slow push from a hung one.
    var onProgress: ((PushProgress) -> Void)?

    init(access: SSHAccess, host: String?, port: Int?) {
        self.access = access
        self.host = host
        self.port = port ?? 22
    }

    static func from(_ payload: UnsafeMutableRawPointer?) -> RemoteSession {
        Unmanaged<RemoteSession>.fromOpaque(payload!).takeUnretainedValue()
    }

    func credential(
        _ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>?,
        user userFromURL: UnsafePointer<CChar>?,
        allowed: UInt32
    ) -> Int32 {
        let user = userFromURL.map { String(cString: $0) } ?? SSHAccess.currentUser
        if allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 { return self.offerKey(out, user: user) }
        if allowed & GIT_CREDENTIAL_USERNAME.rawValue != 0 { return git_credential_username_new(out, user) }
        return self.fail(.authentication, "the server allows no authentication method Replicator supports (ssh keys)")
    }

    /// The agent (when running and no identityFile is configured), then the first key file; each is
    /// offered once, because libgit2 1.5 keeps asking after a rejection.
    private func offerKey(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>?, user: String) -> Int32 {
        let attempts = self.access.keyAttempts
        guard !attempts.isEmpty else {
            let message =
                "no SSH key: no ssh-agent and no private key found (looked for "
                + "\(self.access.candidateKeys.joined(separator: ", "))); set remote.NAME.identityFile"
            return self.fail(.authentication, message)
        }
        guard self.keyAttempts < attempts.count else {
            let offered = attempts.map(\.description).joined(separator: ", ")
            return self.fail(.authentication, "the server rejected SSH key \(offered) for \(user)@\(self.host ?? "?")")
        }
        let attempt = attempts[self.keyAttempts]
        self.keyAttempts += 1
        switch attempt {
        case .agent: return git_credential_ssh_key_from_agent(out, user)
        case .file(let key): return git_credential_ssh_key_new(out, user, nil, key, nil)
        }
    }

    func checkHostKey(_ certificate: UnsafeMutablePointer<git_cert>?) -> Int32 {
        guard let certificate, certificate.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2, let host = self.host else {
            return self.fail(.hostKey, "unexpected certificate type from the server")
        }
        let hostKey = UnsafeRawPointer(certificate).assumingMemoryBound(to: git_cert_hostkey.self).pointee
        guard hostKey.type.rawValue & GIT_CERT_SSH_RAW.rawValue != 0, let blob = hostKey.hostkey else {
            return self.fail(.hostKey, "libgit2 did not pass the raw host key")
        }
        let keyType = KnownHosts.libssh2KeyType(forRawType: Int(hostKey.raw_type.rawValue))
        let key = UnsafeRawBufferPointer(start: blob, count: hostKey.hostkey_len)
        let sha256 = withUnsafeBytes(of: hostKey.hash_sha256) { Data($0) }
        guard
            let refusal = KnownHosts.verify(
                host: host,
                port: self.port,
                key: key,
                keyType: keyType,
                sha256: sha256,
                access: self.access
            )
        else {
            return 0
        }
        return self.fail(.hostKey, refusal)
    }

    /// Records the failure and returns the libgit2 error code for it.
    private func fail(_ code: GitError.Code, _ message: String) -> Int32 {
        let status = code == .hostKey ? GIT_ECERTIFICATE.rawValue : GIT_EAUTH.rawValue
        self.failure = GitError(code: code, function: "ssh", status: status, message: message)
        git_error_set_str(Int32(GIT_ERROR_SSH.rawValue), message)
        return status
    }
}
