internal import CLibssh2
import Foundation
import ReplicationCore

/// Host-key verification against an OpenSSH known_hosts file, through libssh2's own parser
/// (plain, `[host]:port` and hashed entries). libgit2 1.5 reads only `$HOME/.ssh/known_hosts`
/// itself, so Replicator checks every remote against its configured file instead.
enum KnownHosts {
    enum Verdict: Equatable {
        case match
        case mismatch
        case notFound
        /// An `@revoked` line names this key.
        case revoked
        case unusable(String)
    }

    /// Checks the server's key against `access`'s known_hosts file; why it is refused, or `nil`.
    /// An unknown host accepted under `StrictHostKeyChecking no|accept-new` is recorded in that
    /// file, as ssh does, so that a later change of key is noticed.
    static func verify(
        host: String,
        port: Int,
        key: UnsafeRawBufferPointer,
        keyType: (bits: Int32, name: String),
        sha256: Data,
        access: SSHAccess
    ) -> String? {
        let file = access.effectiveKnownHostsFile
        let verdict = Self.check(file: file, host: host, port: port, key: key, keyType: keyType.bits)
        let refusal = Self.refusal(
            verdict,
            host: host,
            port: port,
            file: file,
            keyType: keyType.name,
            sha256: sha256,
            acceptsUnknownHosts: access.acceptsUnknownHosts
        )
        if refusal == nil, verdict == .notFound { Self.record(host: host, port: port, key: key, in: file) }
        return refusal
    }

    /// Reads the file line by line (libssh2's own reader gives up on the whole file at a line over
    /// ~4 KB, and knows no `@revoked`); lines it cannot parse are skipped one by one.
    static func check(file: String, host: String, port: Int, key: UnsafeRawBufferPointer, keyType: Int32) -> Verdict {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return .notFound }
        guard let session = libssh2_session_init_ex(nil, nil, nil, nil) else { return .unusable("libssh2 session") }
        defer { libssh2_session_free(session) }
        guard let known = libssh2_knownhost_init(session), let revoked = libssh2_knownhost_init(session) else {
            return .unusable("libssh2 knownhost")
        }
        defer {
            libssh2_knownhost_free(known)
            libssh2_knownhost_free(revoked)
        }
        let offered = Data(key)
        var patterns = PatternVerdicts()
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            if line.hasPrefix("@revoked ") {
                let entry = String(line.dropFirst("@revoked ".count))
                if !patterns.take(entry, host: host, port: port, offered: offered, revoked: true) {
                    Self.add(entry, to: revoked)
                }
            } else if !line.hasPrefix("@") {  // @cert-authority: host certificates are not supported
                if !patterns.take(line, host: host, port: port, offered: offered, revoked: false) {
                    Self.add(line, to: known)
                }
            }
        }
        guard let base = key.baseAddress else { return .unusable("empty host key") }
        let typeMask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | keyType
        let check = { (hosts: OpaquePointer) in
            libssh2_knownhost_checkp(
                hosts,
                host,
                Int32(port),
                base.assumingMemoryBound(to: CChar.self),
                key.count,
                typeMask,
                nil
            )
        }
        if patterns.revoked || check(revoked) == LIBSSH2_KNOWNHOST_CHECK_MATCH { return .revoked }
        switch check(known) {
        case LIBSSH2_KNOWNHOST_CHECK_MATCH: return .match
        case _ where patterns.matched: return .match
        case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: return .mismatch
        case _ where patterns.mismatched: return .mismatch
        case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND: return .notFound
        default: return .unusable("libssh2_knownhost_checkp failed")
        }
    }

    /// The lines libssh2 cannot judge, judged as OpenSSH does: plain host fields with `*`, `?` or
    /// `!` patterns (libssh2 compares names literally), for `@revoked` lines too, where a literal
    /// reading let a key revoked for `*` through.
    struct PatternVerdicts {
        var revoked = false
        var matched = false
        var mismatched = false

        /// Judges `entry` (`HOSTS TYPE KEY …`) when its host field is a plain pattern list; `false`
        /// when it is libssh2's to judge (hashed, or literal names only).
        mutating func take(_ entry: String, host: String, port: Int, offered: Data, revoked: Bool) -> Bool {
            let fields = entry.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard fields.count >= 3, !fields[0].hasPrefix("|"),
                revoked || fields[0].contains(where: { "*?!".contains($0) })
            else { return false }
            guard SSHHostPatterns.knownHostsFieldMatches(String(fields[0]), host: host, port: port),
                let listed = Data(base64Encoded: String(fields[2]))
            else { return true }
            if listed == offered {
                if revoked { self.revoked = true } else { self.matched = true }
            } else if !revoked, KnownHosts.algorithm(of: offered) == String(fields[1]) {
                self.mismatched = true
            }
            return true
        }
    }

    /// The algorithm name a key blob starts with (uint32 length, then the name).
    static func algorithm(of key: Data) -> String? {
        let bytes = [UInt8](key)
        guard bytes.count > 4 else { return nil }
        let length = bytes.prefix(4).reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, 4 + length <= bytes.count else { return nil }
        return String(decoding: bytes[4..<(4 + length)], as: UTF8.self)
    }

    private static func add(_ line: String, to hosts: OpaquePointer) {
        _ = line.withCString { libssh2_knownhost_readline(hosts, $0, strlen($0), LIBSSH2_KNOWNHOST_FILE_OPENSSH) }
    }

    /// Appends `host key` to `file` (`[host]:port` off port 22), creating it when missing.
    private static func record(host: String, port: Int, key: UnsafeRawBufferPointer, in file: String) {
        guard let algorithm = Self.algorithm(of: Data(key)) else { return }
        let name = port == 22 ? host : "[\(host)]:\(port)"
        let line = "\(name) \(algorithm) \(Data(key).base64EncodedString())\n"
        let descriptor = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        _ = line.withCString { write(descriptor, $0, strlen($0)) }
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
        case .revoked:
            return "the host key of \(host):\(port) (\(keyType) \(fingerprint)) is marked @revoked in \(file)"
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
