internal import CLibgit2

/// A failed libgit2 call, with the message libgit2 (or one of our callbacks) recorded for it.
package struct GitError: Error, Hashable, Sendable, CustomStringConvertible {
    /// How the failure should be treated; the daemon retries ``network`` and ``other``.
    package enum Code: String, Hashable, Sendable, Codable {
        case authentication
        case hostKey
        case repositoryNotFound
        case network
        case invalid
        case other
    }

    package var code: Code
    package var function: String
    package var status: Int32
    package var message: String

    package init(code: Code, function: String, status: Int32, message: String) {
        self.code = code
        self.function = function
        self.status = status
        self.message = message
    }

    package var description: String { self.message }

    /// Reads `git_error_last()` now, on the thread of the failing call (it is thread-local).
    static func last(_ function: String, status: Int32) -> GitError {
        var message = git_error_last().map { String(cString: $0.pointee.message) } ?? "\(function) failed (\(status))"
        if message.contains("Unable to exchange encryption keys") {
            message += Self.rsaOnlyHint
        }
        return GitError(
            code: Self.classify(status: status, message: message),
            function: function,
            status: status,
            message: message
        )
    }

    /// libssh2 1.10 offers no `rsa-sha2-*` host-key algorithm; OpenSSH 8.8+ no longer signs with `ssh-rsa`.
    static let rsaOnlyHint =
        " (the server may offer only an RSA host key: libssh2 1.10 cannot verify rsa-sha2 host keys, "
        + "and OpenSSH 8.8+ no longer offers ssh-rsa; give the server an ed25519 or ECDSA host key)"

    private static func classify(status: Int32, message: String) -> Code {
        switch status {
        case GIT_EAUTH.rawValue: return .authentication
        case GIT_ECERTIFICATE.rawValue: return .hostKey
        default: break
        }
        let lowered = message.lowercased()
        let missing = [
            "does not appear to be a git repository", "repository not found", "no such file or directory",
            "could not find repository",
        ]
        if missing.contains(where: lowered.contains) { return .repositoryNotFound }
        if status == GIT_EINVALIDSPEC.rawValue || status == GIT_EINVALID.rawValue { return .invalid }
        let network = [
            "failed to connect", "failed to start ssh session", "connection", "timed out", "early eof", "banner",
        ]
        if network.contains(where: lowered.contains) { return .network }
        return .other
    }
}

/// Throws the last libgit2 error when `status` is negative.
@discardableResult
func check(_ function: String, _ status: Int32) throws(GitError) -> Int32 {
    guard status < 0 else { return status }
    throw GitError.last(function, status: status)
}
