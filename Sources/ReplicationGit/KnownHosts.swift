internal import CLibssh2
import Foundation

/// Host-key verification against an OpenSSH known_hosts file, through libssh2's own parser
/// (plain, `[host]:port` and hashed entries). libgit2 1.5 reads only `$HOME/.ssh/known_hosts`
/// itself, so Replicator checks every remote against its configured file instead.
enum KnownHosts {
    enum Verdict: Equatable {
        case match
        case mismatch
        case notFound
        case unusable(String)
    }

    static func check(file: String, host: String, port: Int, key: UnsafeRawBufferPointer, keyType: Int32) -> Verdict {
        guard FileManager.default.fileExists(atPath: file) else { return .notFound }
        guard let session = libssh2_session_init_ex(nil, nil, nil, nil) else { return .unusable("libssh2 session") }
        defer { libssh2_session_free(session) }
        guard let hosts = libssh2_knownhost_init(session) else { return .unusable("libssh2 knownhost") }
        defer { libssh2_knownhost_free(hosts) }
        guard libssh2_knownhost_readfile(hosts, file, LIBSSH2_KNOWNHOST_FILE_OPENSSH) >= 0 else {
            return .unusable("cannot read \(file)")
        }
        guard let base = key.baseAddress else { return .unusable("empty host key") }
        let typeMask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | keyType
        let result = libssh2_knownhost_checkp(
            hosts,
            host,
            Int32(port),
            base.assumingMemoryBound(to: CChar.self),
            key.count,
            typeMask,
            nil
        )
        switch result {
        case LIBSSH2_KNOWNHOST_CHECK_MATCH: return .match
        case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: return .mismatch
        case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND: return .notFound
        default: return .unusable("libssh2_knownhost_checkp failed")
        }
    }

    /// libssh2's key-type bits for a libgit2 raw host-key type.
    static func libssh2KeyType(forRawType rawType: Int) -> (bits: Int32, name: String) {
        switch rawType {
        case 1: (LIBSSH2_KNOWNHOST_KEY_SSHRSA, "rsa")
        case 2: (LIBSSH2_KNOWNHOST_KEY_SSHDSS, "dsa")
        case 3: (LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa")
        case 4: (LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa")
        case 5: (LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa")
        case 6: (LIBSSH2_KNOWNHOST_KEY_ED25519, "ed25519")
        default: (LIBSSH2_KNOWNHOST_KEY_UNKNOWN, "unknown")
        }
    }

    /// Why a host key is refused (with its fingerprint and how to trust it), or `nil` to accept.
    static func refusal(
        _ verdict: Verdict,
        host: String,
        port: Int,
        file: String,
        keyType: String,
        sha256: Data,
        acceptsUnknownHosts: Bool
    ) -> String? {
        let fingerprint = "SHA256:" + sha256.base64EncodedString().replacingOccurrences(of: "=", with: "")
        switch verdict {
        case .match:
            return nil
        case .notFound where acceptsUnknownHosts:
            return nil
        case .mismatch:
            return
                "the host key of \(host):\(port) does not match \(file) (the server offered \(keyType) \(fingerprint)); "
                + "it may have been replaced, or someone is intercepting the connection. Remove the old line only "
                + "after confirming the new fingerprint with the server's administrator"
        case .notFound:
            return "\(host):\(port) is not a known host in \(file); its \(keyType) key is \(fingerprint). To trust it, "
                + "confirm the fingerprint with the server's administrator, then run: "
                + "ssh-keyscan -p \(port) -t \(keyType) \(host) >> \(file)"
        case .unusable(let reason):
            return "cannot verify the host key of \(host):\(port): \(reason)"
        }
    }
}
