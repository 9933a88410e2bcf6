import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// Listing a remote's refs for real: local paths, file:// and a real sshd on 127.0.0.1.
// The limit only catches hangs: it also covers waiting for an off-pool slot (OffThePool).
@Suite(.offThePool)
struct RemoteListingTests {
    init() { LibGit2.initialize() }

    private struct Setup {
        let directory: TemporaryDirectory
        let source: GitRepository
        let mirrorPath: String
        let mirrorRefs: [String: String]
    }

    private static func setUp() throws -> Setup {
        let directory = try TemporaryDirectory()
        try GitFixtures.makeRepository(at: directory.path("source.git"), refs: [("refs/heads/main", "one")])
        let mirrorRefs = try GitFixtures.makeRepository(
            at: directory.path("mirror.git"),
            refs: [("refs/heads/main", "m"), ("refs/tags/v1", "t"), ("refs/pull/1/head", "p")]
        )
        return Setup(
            directory: directory,
            source: try GitRepository(path: directory.path("source.git")),
            mirrorPath: directory.path("mirror.git"),
            mirrorRefs: mirrorRefs
        )
    }

    @Test(arguments: ["plain", "file"])
    func listsALocalRemote(form: String) throws {
        let setup = try Self.setUp()
        let url = try RemoteURL(parsing: form == "file" ? "file://\(setup.mirrorPath)" : setup.mirrorPath)
        let refs = try setup.source.listRemoteRefs(url: url, access: SSHAccess())
        #expect(refs.dictionary.mapValues(\.hex) == setup.mirrorRefs)
    }

    @Test func reportsAMissingLocalRemoteAsRepositoryNotFound() throws {
        let setup = try Self.setUp()
        let url = try RemoteURL(parsing: setup.directory.path("absent.git"))
        let error = #expect(throws: GitError.self) { try setup.source.listRemoteRefs(url: url, access: SSHAccess()) }
        #expect(error?.code == .repositoryNotFound)
    }

    @Test func listsOverSSHWithTheConfiguredKeyAndKnownHosts() throws {
        let setup = try Self.setUp()
        let server = try SSHServer()
        let access = server.access
        let refs = try setup.source.listRemoteRefs(
            url: try RemoteURL(parsing: server.url(setup.mirrorPath)),
            access: access
        )
        #expect(refs.dictionary.mapValues(\.hex) == setup.mirrorRefs)
    }

    @Test func acceptsAnSCPLikeURLWithoutAPortEntry() throws {
        // `[user@host:port]:path` keeps the port in scp-like form.
        let setup = try Self.setUp()
        let server = try SSHServer()
        let access = server.access
        let url = try RemoteURL(parsing: "[\(server.user)@127.0.0.1:\(server.port)]:\(setup.mirrorPath)")
        #expect(try setup.source.listRemoteRefs(url: url, access: access).count == 3)
    }

    @Test func refusesAnUnknownHostKeyShowingItsFingerprint() throws {
        let setup = try Self.setUp()
        let server = try SSHServer()
        let emptyKnownHosts = setup.directory.path("known_hosts")
        try "".write(toFile: emptyKnownHosts, atomically: true, encoding: .utf8)
        let access = SSHAccess(identityFile: server.clientKey, knownHostsFile: emptyKnownHosts)
        let error = #expect(throws: GitError.self) {
            try setup.source.listRemoteRefs(url: try RemoteURL(parsing: server.url(setup.mirrorPath)), access: access)
        }
        #expect(error?.code == .hostKey)
        let fingerprint = try Command.run("ssh-keygen", ["-lf", server.directory.path("host_ed25519.pub")])
            .standardOutput
            .split(separator: " ")[1]
        #expect(error?.message.contains("is not a known host") == true)
        #expect(error?.message.contains(String(fingerprint)) == true, "\(error?.message ?? "")")
        #expect(
            error?.message.contains("ssh-keyscan -p \(server.port) -t ed25519 127.0.0.1 >> \(emptyKnownHosts)") == true
        )
    }

    @Test func refusesAChangedHostKey() throws {
        let setup = try Self.setUp()
        let server = try SSHServer()
        try Command.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", setup.directory.path("other")])
        let otherKey = try String(contentsOfFile: setup.directory.path("other.pub"), encoding: .utf8).split(
            separator: " "
        ).prefix(2)
        let knownHosts = setup.directory.path("known_hosts")
        try "[127.0.0.1]:\(server.port) \(otherKey.joined(separator: " "))\n".write(
            toFile: knownHosts,
            atomically: true,
            encoding: .utf8
        )
        let access = SSHAccess(identityFile: server.clientKey, knownHostsFile: knownHosts)
        let error = #expect(throws: GitError.self) {
            try setup.source.listRemoteRefs(url: try RemoteURL(parsing: server.url(setup.mirrorPath)), access: access)
        }
        #expect(error?.code == .hostKey)
        #expect(error?.message.contains("does not match") == true, "\(error?.message ?? "")")
    }

    /// known_hosts as OpenSSH reads it: a key `@revoked` for `*` is refused for every host (libssh2
    /// compared the pattern literally and let it through), one revoked for another host is not,
    /// and a wildcard line trusts the hosts it matches.
    @Test(
        arguments: [
            ("@revoked * KEY\n[127.0.0.1]:PORT KEY\n", "revoked"),
            ("@revoked [127.0.0.?]:PORT KEY\n[127.0.0.1]:PORT KEY\n", "revoked"),
            ("@revoked elsewhere.example.org KEY\n[127.0.0.1]:PORT KEY\n", nil),
            ("[127.0.0.*]:PORT KEY\n", nil),
            ("*,![127.0.0.1]:PORT KEY\n", "not a known host"),
        ] as [(String, String?)]
    )
    func knownHostsPatternsAsOpenSSHReadsThem(lines: String, refusal: String?) throws {
        let setup = try Self.setUp()
        let server = try SSHServer()
        let hostKey = try String(contentsOfFile: server.directory.path("host_ed25519.pub"), encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        let knownHosts = setup.directory.path("known_hosts")
        try lines.replacingOccurrences(of: "KEY", with: hostKey).replacingOccurrences(
            of: "PORT",
            with: "\(server.port)"
        )
        .write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let access = SSHAccess(identityFile: server.clientKey, knownHostsFile: knownHosts)
        let url = try RemoteURL(parsing: server.url(setup.mirrorPath))
        let outcome = Result { try setup.source.listRemoteRefs(url: url, access: access) }
        if let refusal {
            guard case .failure(let error as GitError) = outcome else {
                Issue.record("expected a refusal (\(refusal)), got \(outcome)")
                return
            }
            #expect(error.code == .hostKey && error.message.contains(refusal), "\(error.message)")
        } else {
            #expect((try? outcome.get()) != nil, "\(outcome)")
        }
    }

    @Test func failsOnceWithARejectedClientKey() throws {
        let setup = try Self.setUp()
        let server = try SSHServer()
        try Command.run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", setup.directory.path("stranger")])
        let access = SSHAccess(identityFile: setup.directory.path("stranger"), knownHostsFile: server.knownHosts)
        let clock = ContinuousClock()
        let started = clock.now
        let error = #expect(throws: GitError.self) {
            try setup.source.listRemoteRefs(url: try RemoteURL(parsing: server.url(setup.mirrorPath)), access: access)
        }
        #expect(error?.code == .authentication)
        #expect(error?.message.contains("rejected SSH key") == true, "\(error?.message ?? "")")
        #expect(clock.now - started < .seconds(20))
        #expect(server.log.components(separatedBy: "Failed publickey").count - 1 <= 1, "the key was offered once")
    }

    @Test func reportsAMissingRemoteRepositoryOverSSH() throws {
        let setup = try Self.setUp()
        let server = try SSHServer()
        let access = server.access
        let url = try RemoteURL(parsing: server.url(setup.directory.path("absent.git")))
        let error = #expect(throws: GitError.self) { try setup.source.listRemoteRefs(url: url, access: access) }
        #expect(error?.code == .repositoryNotFound, "\(error?.message ?? "")")
    }
}
