import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// Replicator's own receive-pack client against real `git-receive-pack`, over the test sshd and
/// local paths: atomic changes, session reuse, timeouts, thin packs, hooks on local mirrors.
// The limit only catches hangs: it also covers waiting for an off-pool slot (OffThePool).
@Suite(.offThePool)
struct SendPackTests {
    init() { LibGit2.initialize() }

    /// A Gerrit-like source: main, two changes with a patch set and a meta ref each.
    struct Site {
        let directory: TemporaryDirectory
        let source: GitRepository
        let sourcePath: String
        let mirror: String
        let ids: [String: String]

        func refs() throws -> [String: String] { try GitFixtures.refs(of: self.mirror) }
    }

    static let changeRefs = [
        "refs/changes/01/1/1", "refs/changes/01/1/meta", "refs/changes/02/2/1", "refs/changes/02/2/meta",
    ]

    static func makeSite(mirrorArguments: [[String]] = []) throws -> Site {
        let directory = try TemporaryDirectory("sendpack")
        let sourcePath = directory.path("source.git")
        let mirror = directory.path("mirror.git")
        let ids = try GitFixtures.makeRepository(
            at: sourcePath,
            refs: [("refs/heads/main", "m")] + Self.changeRefs.map { ($0, $0) }
        )
        try GitFixtures.makeRepository(at: mirror)
        for arguments in mirrorArguments { try Command.git(arguments, in: mirror) }
        return Site(
            directory: directory,
            source: try GitRepository(path: sourcePath),
            sourcePath: sourcePath,
            mirror: mirror,
            ids: ids
        )
    }

    static let config = "  push = +refs/heads/*:refs/heads/*\n  push = +refs/changes/*:refs/changes/*\n"

    static func options(_ pool: SSHSessionPool = SSHSessionPool(), timeout: Duration = .seconds(30)) -> SendPackOptions
    {
        SendPackOptions(git: GitBinary.locate()!, connectTimeout: .seconds(5), timeout: timeout, pool: pool)
    }

    static func push(_ site: Site, url: String, access: SSHAccess = SSHAccess(), options: SendPackOptions) throws
        -> PushReport
    {
        let planner = UpdatePlanner(remote: try RemoteFixture.remote(Self.config))
        let local = try site.source.readRefs().refs
        return try site.source.sendPack(to: try RemoteURL(parsing: url), access: access, options: options) {
            planner.planFullSync(local: local, remote: $0)
        }
    }

    /// A push over the test sshd with `receivePack` run in place of git-receive-pack, which must
    /// fail: the error and how long the push took.
    static func failingPush(
        _ site: Site,
        receivePack: String,
        timeout: Duration,
        cancellation: PushCancellation? = nil,
        server: SSHServer? = nil
    ) throws -> (error: GitError?, took: Duration) {
        let server = try server ?? SSHServer()
        var options = Self.options(timeout: timeout)
        options.receivePack = receivePack
        options.cancellation = cancellation
        let clock = ContinuousClock()
        let started = clock.now
        let error = #expect(throws: GitError.self) {
            try Self.push(site, url: server.url(site.mirror), access: server.access, options: options)
        }
        return (error, clock.now - started)
    }

    static func installHook(_ script: String, named name: String = "update", in repository: String) throws {
        try GitFixtures.installHook(script, named: name, in: repository)
    }

    static let refuseMetaOfChange1 =
        "#!/bin/sh\n[ \"$1\" = refs/changes/01/1/meta ] && { echo \"meta 1 is not welcome\" >&2; exit 1; }\nexit 0\n"

    /// A refused meta ref keeps its patch set out (atomic), while the other change and the branch
    /// in the same sync land.
    @Test func aChangesRefsLandTogetherOrNotAtAll() throws {
        let site = try Self.makeSite()
        try Self.installHook(Self.refuseMetaOfChange1, in: site.mirror)
        let server = try SSHServer()
        let access = server.access
        let report = try Self.push(site, url: server.url(site.mirror), access: access, options: Self.options())
        let refs = try site.refs()
        #expect(refs["refs/changes/01/1/meta"] == nil)
        #expect(refs["refs/changes/01/1/1"] == nil, "the patch set stays out with its meta")
        #expect(refs["refs/changes/02/2/1"] == site.ids["refs/changes/02/2/1"])
        #expect(refs["refs/changes/02/2/meta"] == site.ids["refs/changes/02/2/meta"])
        #expect(refs["refs/heads/main"] == site.ids["refs/heads/main"])
        let statuses = PushTests.statuses(report)
        #expect(statuses["refs/changes/01/1/meta"] == "rejected: hook declined")
        #expect(statuses["refs/changes/01/1/1"]?.hasPrefix("rejected: atomic") == true, "\(statuses)")
        #expect(statuses["refs/changes/02/2/meta"] == "ok")
        #expect(report.serverMessages.contains("meta 1 is not welcome"))
        #expect(server.loginCount == 1, "every exchange on one session")
    }

    /// Without `atomic` on the mirror a change's refs still travel in one push, non-atomically.
    @Test func aServerWithoutAtomicGetsOnePlainPush() throws {
        let site = try Self.makeSite(mirrorArguments: [["config", "receive.advertiseAtomic", "false"]])
        try Self.installHook(Self.refuseMetaOfChange1, in: site.mirror)
        let server = try SSHServer()
        let access = server.access
        let report = try Self.push(site, url: server.url(site.mirror), access: access, options: Self.options())
        let statuses = PushTests.statuses(report)
        #expect(statuses["refs/changes/01/1/meta"] == "rejected: hook declined")
        #expect(statuses["refs/changes/01/1/1"] == "ok", "no atomic push without the capability")
        #expect(statuses["refs/heads/main"] == "ok")
    }

    @Test func manyPushesShareOneLoginAndADroppedSessionIsReopened() throws {
        let server = try SSHServer()
        let access = server.access
        let pool = SSHSessionPool()
        for _ in 0..<3 {
            let site = try Self.makeSite()
            let report = try Self.push(site, url: server.url(site.mirror), access: access, options: Self.options(pool))
            #expect(report.isSuccess, "\(report.results)")
        }
        #expect(server.loginCount == 1 && pool.loginCount == 1)
        try server.dropConnections()
        let site = try Self.makeSite()
        let report = try Self.push(site, url: server.url(site.mirror), access: access, options: Self.options(pool))
        #expect(report.isSuccess, "\(report.results)")
        #expect(server.loginCount == 2, "one new login after the server dropped the session")
    }

    @Test func aServerThatNeverAnswersTimesOutForPushesAndListings() throws {
        let silent = try SilentServer()
        let site = try Self.makeSite()
        let url = try RemoteURL(parsing: "ssh://git@127.0.0.1:\(silent.port)/mirror.git")
        let clock = ContinuousClock()
        let started = clock.now
        let pushError = #expect(throws: GitError.self) {
            try Self.push(site, url: url.description, options: Self.options(timeout: .seconds(1)))
        }
        #expect(pushError?.code == .network, "\(pushError?.message ?? "")")
        let listError = #expect(throws: GitError.self) {
            try site.source.listRemoteRefs(url: url, access: SSHAccess(), options: Self.options())
        }
        #expect(listError?.code == .network)
        #expect(clock.now - started < .seconds(20), "both within the 5 s connect timeout")
    }

    /// A receive-pack that authenticates and then says nothing is stopped after remote.timeout.
    @Test func aReceivePackThatHangsIsStoppedAfterTheTimeout() throws {
        let site = try Self.makeSite()
        let (error, took) = try Self.failingPush(site, receivePack: "sleep 30; git-receive-pack", timeout: .seconds(1))
        #expect(error?.code == .network, "\(error?.message ?? "")")
        #expect(took < .seconds(10))
        #expect(try site.refs().isEmpty)
    }

    /// `remote.NAME.receivepack` is what runs on the server.
    @Test func runsTheConfiguredReceivePack() throws {
        let site = try Self.makeSite()
        let server = try SSHServer()
        let marker = site.directory.path("ran")
        let wrapper = site.directory.path("receive-pack-wrapper")
        try Command.writeExecutable("#!/bin/sh\ntouch \(marker)\nexec git-receive-pack \"$@\"\n", to: wrapper)
        let access = server.access
        var options = Self.options()
        options.receivePack = wrapper
        let report = try Self.push(site, url: server.url(site.mirror), access: access, options: options)
        #expect(report.isSuccess)
        #expect(FileManager.default.fileExists(atPath: marker))
    }

    /// Local mirrors go through `git receive-pack` too: their hooks apply.
    @Test func aLocalMirrorsHooksApply() throws {
        let site = try Self.makeSite()
        try Self.installHook(Self.refuseMetaOfChange1, in: site.mirror)
        let report = try Self.push(site, url: site.mirror, options: Self.options())
        #expect(PushTests.statuses(report)["refs/changes/01/1/meta"] == "rejected: hook declined")
        #expect(try site.refs()["refs/changes/01/1/1"] == nil)
        #expect(try site.refs()["refs/heads/main"] == site.ids["refs/heads/main"])
    }

    /// A one-line change to a large file goes as a thin delta against what the mirror has, not as
    /// the whole file again (libgit2 1.5 sends the whole blob). The source is small enough for
    /// ``SmallPack``, whose pack (the whole blob) is dropped for `git pack-objects`' thin one.
    @Test func aSmallChangeToALargeFileSendsADelta() throws {
        let directory = try TemporaryDirectory("thin")
        let work = directory.path("work")
        let mirror = directory.path("mirror.git")
        try Command.git(["init", "-q", "-b", "main", work])
        var lines = (0..<40_000).map { "line \($0) of a large file with some text to make it long enough\n" }
        try lines.joined().write(toFile: work + "/big.txt", atomically: true, encoding: .utf8)
        try Command.git(["add", "big.txt"], in: work)
        try Command.git(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "big"], in: work)
        try Command.git(["clone", "-q", "--bare", work, mirror])
        lines[20_000] = "a changed line\n"
        try lines.joined().write(toFile: work + "/big.txt", atomically: true, encoding: .utf8)
        try Command.git(["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "one line"], in: work)
        let source = try GitRepository(path: work + "/.git")
        let planner = UpdatePlanner(remote: try RemoteFixture.remote("  push = +refs/heads/*:refs/heads/*\n"))
        let local = try source.readRefs().refs
        let report = try source.sendPack(
            to: try RemoteURL(parsing: mirror),
            access: SSHAccess(),
            options: Self.options()
        ) {
            planner.planFullSync(local: local, remote: $0)
        }
        #expect(report.isSuccess, "\(report.results)")
        #expect(report.bytesSent < 20_000, "a \(lines.count)-line file: \(report.bytesSent) bytes sent")
        #expect(
            try GitFixtures.refs(of: mirror)["refs/heads/main"] == (try Command.git(["rev-parse", "HEAD"], in: work))
        )
        _ = try Command.git(["fsck", "--no-progress"], in: mirror)
    }
}

extension SendPackTests {
    /// A session unused for longer than the pool's idle timeout is closed, not reused.
    @Test func anIdleSessionIsClosedAfterTheIdleTimeout() throws {
        let server = try SSHServer()
        let access = server.access
        let pool = SSHSessionPool(idleTimeout: .milliseconds(300))
        let first = try Self.makeSite()
        _ = try Self.push(first, url: server.url(first.mirror), access: access, options: Self.options(pool))
        #expect(pool.idleCount == 1)
        usleep(500_000)
        let second = try Self.makeSite()
        let report = try Self.push(second, url: server.url(second.mirror), access: access, options: Self.options(pool))
        #expect(report.isSuccess)
        #expect(pool.loginCount == 2 && server.loginCount == 2, "the idle session was closed, a new one opened")
    }

    /// Cancelling a push blocked on a silent receive-pack ends it at once, not after the timeout.
    @Test func cancellingAPushInterruptsItsNetworkStep() throws {
        let site = try Self.makeSite()
        let server = try SSHServer()
        let cancellation = PushCancellation()
        Thread.detachNewThread {
            usleep(1_500_000)
            cancellation.cancel()
        }
        let (error, took) = try Self.failingPush(
            site,
            receivePack: "sleep 60; git-receive-pack",
            timeout: .zero,
            cancellation: cancellation,
            server: server
        )
        #expect(error?.code == .network)
        #expect(took < .seconds(10), "no timeout is set: only the cancellation ended it")
    }
}

extension SendPackTests {
    /// Hooks that run after the report (post-receive) finish, and their output is kept: the push
    /// reads to the end as `git send-pack` does instead of hanging up on them.
    @Test(arguments: [false, true])
    func postReceiveHooksRunToTheirEnd(overSSH: Bool) throws {
        let site = try Self.makeSite()
        let marker = site.directory.path("post-receive-done")
        try Self.installHook(
            "#!/bin/sh\ncat > /dev/null\nsleep 1\necho \"post-receive says hello\"\ntouch \(marker)\n",
            named: "post-receive",
            in: site.mirror
        )
        let server = try SSHServer()
        let access = server.access
        let url = overSSH ? server.url(site.mirror) : site.mirror
        let report = try Self.push(site, url: url, access: access, options: Self.options())
        #expect(report.isSuccess)
        #expect(FileManager.default.fileExists(atPath: marker), "the hook finished before the push returned")
        #expect(report.serverMessages.contains("post-receive says hello"), "\(report.serverMessages)")
    }
}

extension SendPackTests {
    /// A pooled session that a middlebox silently stopped carrying is replaced after the probe
    /// timeout, not after the connect timeout, and the push succeeds on a new login.
    @Test func aSessionThatWentSilentIsReplacedQuickly() throws {
        let server = try SSHServer()
        let proxy = try FreezingProxy(to: server.port)
        let knownHosts = server.directory.path("known_hosts_proxy")
        let entry = try String(contentsOfFile: server.knownHosts, encoding: .utf8)
            .replacingOccurrences(of: "]:\(server.port) ", with: "]:\(proxy.port) ")
        try entry.write(toFile: knownHosts, atomically: true, encoding: .utf8)
        let access = SSHAccess(identityFile: server.clientKey, knownHostsFile: knownHosts)
        let pool = SSHSessionPool(probeAfter: .zero, probeTimeout: .seconds(1))
        var options = Self.options(pool)
        options.connectTimeout = .seconds(30)
        let url = { (path: String) in "ssh://\(server.user)@127.0.0.1:\(proxy.port)\(path)" }
        let first = try Self.makeSite()
        #expect(try Self.push(first, url: url(first.mirror), access: access, options: options).isSuccess)
        proxy.freezeOpenConnections()
        let second = try Self.makeSite()
        let clock = ContinuousClock()
        let started = clock.now
        let report = try Self.push(second, url: url(second.mirror), access: access, options: options)
        #expect(report.isSuccess, "\(report.results)")
        #expect(clock.now - started < .seconds(10), "the probe, not the 30 s connect timeout")
        #expect(pool.loginCount == 2)
    }
}

extension SendPackTests {
    /// A "receive-pack" that answers with bytes that are not the protocol and stays connected is a
    /// clear error at once, even with no timeout set.
    @Test func garbageFromTheServerIsAnErrorNotAWait() throws {
        let garbage = "printf 'zzzz not git'; echo 'a complaint' >&2; sleep 30; true"
        let (error, took) = try Self.failingPush(try Self.makeSite(), receivePack: garbage, timeout: .zero)
        #expect(error?.message.contains("not a pkt-line length") == true, "\(error?.message ?? "")")
        #expect(took < .seconds(10))
    }
}

extension SendPackTests {
    /// A mirror that stops reading the pack midway (git's `receive.maxInputSize`, GitHub's 2 GiB cap)
    /// fails the push in bounded time with the mirror's reason, locally and over ssh; it used to hang
    /// for ever while the pack writer waited for `git pack-objects`, which was never stopped.
    @Test(arguments: [false, true])
    func aMirrorThatRefusesThePackMidwayFailsThePushQuickly(overSSH: Bool) throws {
        let directory = try TemporaryDirectory("refused-pack")
        let source = directory.path("source.git")
        let mirror = directory.path("mirror.git")
        try GitFixtures.makeRepository(at: source)
        try GitFixtures.makeRepository(at: mirror)
        try Command.git(["config", "receive.maxInputSize", "1m"], in: mirror)
        let random = directory.path("random")
        try Command.run("/bin/sh", ["-c", "head -c 8000000 /dev/urandom > \(random)"])
        let blob = try Command.git(["--git-dir", source, "hash-object", "-w", random])
        let tree = try Command.run("git", ["--git-dir", source, "mktree"], input: "100644 blob \(blob)\tbig\n")
            .standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let commit = try Command.git(["--git-dir", source, "commit-tree", tree, "-m", "big"])
        try Command.git(["--git-dir", source, "update-ref", "refs/heads/main", commit])
        let server = overSSH ? try SSHServer() : nil
        let url = server?.url(mirror) ?? mirror
        let planner = UpdatePlanner(remote: try RemoteFixture.remote("  push = +refs/heads/*:refs/heads/*\n"))
        let repository = try GitRepository(path: source)
        let local = try repository.readRefs().refs
        let clock = ContinuousClock()
        let started = clock.now
        let outcome = Result {
            try repository.sendPack(
                to: try RemoteURL(parsing: url),
                access: server?.access ?? SSHAccess(),
                options: Self.options(timeout: .seconds(60))
            ) { planner.planFullSync(local: local, remote: $0) }
        }
        let took = clock.now - started
        #expect(took < .seconds(30), "well within the 60 s timeout: \(took)")
        let reason: String
        switch outcome {
        case .success(let report):
            #expect(!report.isSuccess)
            reason = report.results.compactMap(\.message).joined(separator: "; ") + (report.failure ?? "")
        case .failure(let error):
            reason = "\(error)"
        }
        #expect(reason.contains("pack exceeds maximum allowed size"), "the mirror's own words: \(reason)")
        // Halving the learned cap ends at the blob that no cap lets through, named.
        #expect(reason.contains("blob \(blob) is 8000000 bytes"), "\(reason)")
        #expect(try GitFixtures.refs(of: mirror)["refs/heads/main"] == nil)
    }
}

extension SendPackTests {
    /// `remote.NAME.timeout` bounds the wait it names: a server that goes silent fails the push N
    /// seconds later (within a second), not after N for the read and N more for each step of the
    /// channel's close (it took 3N over ssh).
    @Test(arguments: [2, 3])
    func aSilentServerFailsThePushWhenItsTimeoutIsUp(seconds: Int) throws {
        let site = try Self.makeSite()
        let (error, took) = try Self.failingPush(
            site,
            receivePack: "sleep 30; git-receive-pack",
            timeout: .seconds(seconds)
        )
        #expect(error?.code == .network, "\(error?.message ?? "")")
        #expect(took >= .seconds(seconds) - .milliseconds(100), "\(took)")
        #expect(took < .seconds(seconds + 1), "\(took)")
    }
}

extension SendPackTests {
    /// The same bound over https: a server that takes the request and never answers fails the push
    /// `timeout` later, not 5 s more while TLS waited for the silent server's close_notify.
    @Test func aSilentHTTPSServerFailsThePushWhenItsTimeoutIsUp() throws {
        let site = try Self.makeSite()
        let server = try SmartHTTPServer(mode: .silent)
        var options = Self.options(timeout: .seconds(2))
        options.http = HTTPTransportOptions(
            username: server.user,
            password: server.password,
            caFile: server.certificate
        )
        let clock = ContinuousClock()
        let started = clock.now
        let error = #expect(throws: GitError.self) {
            try Self.push(site, url: "\(server.base)/p.git", options: options)
        }
        let took = clock.now - started
        #expect(error?.message.contains("timed out") == true, "\(error?.message ?? "")")
        #expect(took >= .seconds(2) - .milliseconds(100) && took < .seconds(3), "\(took)")
    }
}

extension SendPackTests {
    /// A local receive-pack whose standard error ends long before its output (seen in a fleet of
    /// local mirrors: about 1 ms a push, 350 wake-ups) is waited for in poll(2), not in a loop of
    /// reads of the ended pipe: the pushing thread's CPU time stays small while it waits.
    @Test func aReceivePackWhoseErrorsEndFirstIsWaitedForWithoutSpinning() throws {
        let site = try Self.makeSite()
        let git = GitBinary.locate()!
        let wrapper = site.directory.path("git-with-early-stderr-end")
        try Command.writeExecutable(
            """
            #!/bin/sh
            [ "$1" = receive-pack ] && { exec 2>/dev/null; sleep 1.5; }
            exec \(git) "$@"

            """,
            to: wrapper
        )
        var options = Self.options()
        options.git = wrapper
        let cpuBefore = Self.threadCPUTime()
        let report = try Self.push(site, url: site.mirror, options: options)
        let cpu = Self.threadCPUTime() - cpuBefore
        #expect(report.isSuccess, "\(report.results)")
        #expect(try site.refs() == site.ids)
        #expect(cpu < .milliseconds(300), "the thread spun while receive-pack slept: \(cpu) of CPU")
    }

    /// CPU time of the calling thread (a push on a local path runs on it).
    static func threadCPUTime() -> Duration {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }
}
