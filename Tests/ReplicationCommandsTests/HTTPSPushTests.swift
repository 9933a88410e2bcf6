import Foundation
import ReplicationTestSupport
import Testing

/// `https://` mirrors: git's smart HTTP through Replicator's push codec, against `git http-backend`
/// behind a TLS server with basic authentication, credentials from secure.config.
@Suite(.offThePool)
struct HTTPSPushTests {
    static func site(
        _ server: SmartHTTPServer,
        password: String?,
        trust: Bool = true,
        extra: String = ""
    ) throws -> LocalSite {
        try GitFixtures.makeRepository(at: "\(server.root)/p.git")
        let site = try LocalSite(
            remote: """
                push = +refs/heads/*:refs/heads/*
                  push = +refs/tags/*:refs/tags/*
                  replicationDelay = 0
                  replicationMaxRetries = 1
                  \(trust ? "sslCAInfo = \(server.certificate)" : "")
                  \(extra)
                """,
            url: "\(server.base)/${name}.git"
        )
        if let password {
            try site.directory.write(
                "[remote \"mirror\"]\n  username = \(server.user)\n  password = \(password)\n",
                to: "etc/secure.config"
            )
        }
        return site
    }

    @Test func pushesWithTheCredentialsOfSecureConfig() throws {
        let server = try SmartHTTPServer()
        let site = try Self.site(server, password: server.password)
        let check = try site.replicator(["config", "check"])
        #expect(!check.standardOutput.contains("not supported"), "\(check.standardOutput)")

        let preview = try site.replicator(["start", "--all", "--dry-run"])
        #expect(preview.status == 0, "\(preview.standardOutput)\(preview.standardError)")
        #expect(preview.standardOutput.contains("create        refs/heads/main"), "\(preview.standardOutput)")

        let first = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(first.status == 0, "\(first.standardOutput)\(first.standardError)")
        let source = site.source()
        try GitFixtures.commit("refs/tags/v1", "release", in: source)
        let second = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(second.status == 0, "\(second.standardOutput)\(second.standardError)")
        #expect(try GitFixtures.refs(of: "\(server.root)/p.git") == GitFixtures.refs(of: source))
        #expect(!(first.standardOutput + second.standardOutput).contains(server.password))
        let requests = server.requestLog
        #expect(requests.contains("GET /p.git/info/refs?service=git-receive-pack"), "\(requests)")
        #expect(requests.contains("POST /p.git/git-receive-pack"), "\(requests)")
    }

    /// A Gerrit replica over HTTPS: the missing mirror is created through `gerrit+https`'s REST API
    /// with the same credentials, then filled in the same run.
    @Test func aMissingMirrorIsCreatedThroughGerritsRESTAPI() throws {
        let server = try SmartHTTPServer()
        let site = try Self.site(
            server,
            password: server.password,
            extra: "adminUrl = gerrit+https://127.0.0.1:\(server.port)/"
        )
        try FileManager.default.removeItem(atPath: "\(server.root)/p.git")
        let check = try site.replicator(["config", "check"])
        #expect(check.status == 0, "\(check.standardOutput)")
        let result = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(result.status == 0, "\(result.standardOutput)\(result.standardError)")
        #expect(server.restCalls.first == #"PUT /a/projects/p {"branches":["refs\/heads\/main"]}"#)
        #expect(try GitFixtures.refs(of: "\(server.root)/p.git") == GitFixtures.refs(of: site.source()))
    }

    @Test func aWrongPasswordFailsAsAuthenticationAndPushesNothing() throws {
        let server = try SmartHTTPServer()
        let site = try Self.site(server, password: "not-the-token")
        let result = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(result.status != 0)
        let output = result.standardOutput + result.standardError
        #expect(output.contains("HTTP 401"), "\(output)")
        #expect(!output.contains("not-the-token"), "the password is never printed")
        #expect(try GitFixtures.refs(of: "\(server.root)/p.git").isEmpty)
    }

    @Test func aServerThatNeverAnswersTimesOut() throws {
        let server = try SmartHTTPServer(mode: .silent)
        let site = try Self.site(server, password: server.password, extra: "timeout = 2")
        let started = Date()
        let result = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(result.status != 0)
        #expect((result.standardOutput + result.standardError).contains("timed out"), "\(result.standardOutput)")
        #expect(Date().timeIntervalSince(started) < 60, "bounded by timeout, retried once")
    }

    @Test func aRedirectIsRefused() throws {
        let server = try SmartHTTPServer(mode: .redirect)
        let site = try Self.site(server, password: server.password)
        let result = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(result.status != 0)
        #expect((result.standardOutput + result.standardError).contains("redirects are refused"))
    }

    @Test func anUntrustedCertificateIsRefused() throws {
        let server = try SmartHTTPServer()
        let site = try Self.site(server, password: server.password, trust: false)
        let result = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(result.status != 0)
        #expect((result.standardOutput + result.standardError).contains("TLS"), "\(result.standardOutput)")
        #expect(!server.requestLog.contains("POST"), "nothing is sent to a server that is not verified")
    }
}
