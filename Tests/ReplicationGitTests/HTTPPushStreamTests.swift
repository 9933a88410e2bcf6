import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// Pushes to a smart-HTTP mirror (`git http-backend` behind TLS) as git sends them: a request of up
/// to 1 MiB with its length, a larger one streamed chunked while the pack is made; and what a host
/// does to a big push midway (a size cap's 413, a server that stops reading, a push cancelled).
@Suite(.offThePool)
struct HTTPPushStreamTests {
    init() { LibGit2.initialize() }

    struct Site {
        let directory: TemporaryDirectory
        let source: String
        let mirror: String
        let url: String
    }

    /// A source whose history does not compress (`megabytes` of it) and an empty mirror on `server`.
    static func makeSite(_ server: SmartHTTPServer, megabytes: Int) throws -> Site {
        let directory = try TemporaryDirectory("http-stream")
        let source = directory.path("source.git")
        _ = try GitFixtures.makeHeavyHistory(at: source, commits: megabytes * 2, bytesPerCommit: 500_000)
        let mirror = "\(server.root)/p.git"
        try Command.git(["init", "-q", "--bare", mirror])
        return Site(directory: directory, source: source, mirror: mirror, url: "\(server.base)/p.git")
    }

    static func push(
        _ site: Site,
        _ server: SmartHTTPServer,
        timeout: Duration = .seconds(30),
        cancellation: PushCancellation? = nil
    ) throws -> PushReport {
        var options = SendPackOptions(
            git: GitBinary.locate()!,
            connectTimeout: .seconds(5),
            timeout: timeout,
            pool: SSHSessionPool()
        )
        options.http = HTTPTransportOptions(
            username: server.user,
            password: server.password,
            caFile: server.certificate
        )
        options.cancellation = cancellation
        let planner = UpdatePlanner(remote: try RemoteFixture.remote("  push = +refs/*:refs/*\n"))
        let source = try GitRepository(path: site.source)
        let local = try source.readRefs().refs
        return try source.sendPack(to: try RemoteURL(parsing: site.url), access: SSHAccess(), options: options) {
            planner.planFullSync(local: local, remote: $0)
        }
    }

    /// Why a push that must fail failed (the report's failure, or the error it threw), and how long
    /// it took.
    static func failingPush(
        _ site: Site,
        _ server: SmartHTTPServer,
        timeout: Duration = .seconds(30),
        cancellation: PushCancellation? = nil
    ) -> (failure: String, took: Duration) {
        let clock = ContinuousClock()
        let started = clock.now
        let failure: String
        do {
            let report = try Self.push(site, server, timeout: timeout, cancellation: cancellation)
            failure = report.failure ?? "no failure: \(report)"
        } catch {
            failure = "\(error)"
        }
        return (failure, clock.now - started)
    }

    /// The request log's lines for the push's POSTs.
    static func posts(_ server: SmartHTTPServer) -> [String] {
        server.requestLog.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("POST /p.git/git-receive-pack")
        }
    }

    @Test func aLargePushIsStreamedChunkedAndASmallOneSaysItsLength() throws {
        let server = try SmartHTTPServer()
        let site = try Self.makeSite(server, megabytes: 3)
        let first = try Self.push(site, server)
        #expect(first.isSuccess, "\(first)")
        #expect(try GitFixtures.refs(of: site.mirror) == GitFixtures.refs(of: site.source))
        _ = try Command.git(["fsck", "--strict", "--no-progress"], in: site.mirror)
        #expect(Self.posts(server).count == 1 && Self.posts(server)[0].hasSuffix(" chunked"), "\(server.requestLog)")

        try GitFixtures.commit(files: ["note": "small"], to: "refs/heads/main", in: site.source)
        let second = try Self.push(site, server)
        #expect(second.isSuccess, "\(second)")
        #expect(try GitFixtures.refs(of: site.mirror) == GitFixtures.refs(of: site.source))
        let small = Self.posts(server).last ?? ""
        #expect(Self.posts(server).count == 2 && small.contains(" length="), "\(server.requestLog)")
    }

    /// nginx's `client_max_body_size`: a 413 after the first 64 KiB. The push fails with the
    /// server's answer, at once, and the mirror is untouched.
    @Test func aSizeCapsRefusalMidwayIsThePushesFailure() throws {
        let server = try SmartHTTPServer(mode: .capped)
        let site = try Self.makeSite(server, megabytes: 3)
        let (failure, took) = Self.failingPush(site, server)
        #expect(failure.contains("HTTP 413"), "\(failure)")
        #expect(took < .seconds(20))
        #expect(try GitFixtures.refs(of: site.mirror).isEmpty)
    }

    /// A server that stops reading the pack: the push times out after `timeout`, it never hangs.
    /// 24 MB, more than loopback's socket buffers hold.
    @Test func aServerThatStopsReadingThePackTimesOut() throws {
        let server = try SmartHTTPServer(mode: .stalled)
        let site = try Self.makeSite(server, megabytes: 24)
        let (failure, took) = Self.failingPush(site, server, timeout: .seconds(2))
        #expect(failure.contains("timed out"), "\(failure)")
        #expect(took < .seconds(30))
        #expect(try GitFixtures.refs(of: site.mirror).isEmpty)
    }

    /// A push stopped by its cancellation (a lost lease, a shutdown) ends at once, with no timeout
    /// set, and says why.
    @Test func cancellingAStreamedPushStopsIt() throws {
        let server = try SmartHTTPServer(mode: .stalled)
        let site = try Self.makeSite(server, megabytes: 24)
        let cancellation = PushCancellation()
        Thread.detachNewThread {
            usleep(1_500_000)
            cancellation.cancel(reason: "the lease was lost")
        }
        let (failure, took) = Self.failingPush(site, server, timeout: .zero, cancellation: cancellation)
        #expect(failure.contains("the lease was lost"), "\(failure)")
        #expect(took < .seconds(10), "no timeout is set: only the cancellation ended it")
    }
}
