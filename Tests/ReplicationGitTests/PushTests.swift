import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// Real pushes with libgit2 to bare repositories, over a real sshd on 127.0.0.1 and over local paths.
// The limit only catches hangs: it also covers waiting for an off-pool slot (OffThePool).
@Suite(.offThePool)
struct PushTests {
    init() { LibGit2.initialize() }

    /// Source: main=c3, dev=c2, rewind=c1, tag v1=c1. Mirror (same history): main=c2, rewind=c3,
    /// gone=c1, and GitHub's refs/pull/1/head=c1.
    struct Site {
        let directory: TemporaryDirectory
        let source: GitRepository
        let mirror: String
        let commits: [String]

        func refs() throws -> [String: String] { try GitFixtures.refs(of: self.mirror) }
    }

    static func makeSite() throws -> Site {
        let directory = try TemporaryDirectory("push")
        let sourcePath = directory.path("source.git")
        let mirror = directory.path("mirror.git")
        let ids = try GitFixtures.makeRepository(at: sourcePath, refs: (1...4).map { ("refs/history/\($0)", "c\($0)") })
        let commits = (1...4).map { ids["refs/history/\($0)"]! }
        try GitFixtures.makeRepository(at: mirror)
        try Command.git(["push", "-q", mirror, "refs/history/4:refs/history/4"], in: sourcePath)
        let edits = [
            ("refs/heads/main", commits[2]), ("refs/heads/dev", commits[1]), ("refs/heads/rewind", commits[0]),
            ("refs/tags/v1", commits[0]),
        ]
        for (ref, id) in edits { try Command.git(["update-ref", ref, id], in: sourcePath) }
        for (ref, id) in [
            ("refs/heads/main", commits[1]), ("refs/heads/rewind", commits[2]), ("refs/heads/gone", commits[0]),
            ("refs/pull/1/head", commits[0]),
        ] {
            try Command.git(["update-ref", ref, id], in: mirror)
        }
        for repository in [sourcePath, mirror] {
            try Command.git(["update-ref", "-d", "refs/history/4"], in: repository)
        }
        for index in 1...3 { try Command.git(["update-ref", "-d", "refs/history/\(index)"], in: sourcePath) }
        return Site(directory: directory, source: try GitRepository(path: sourcePath), mirror: mirror, commits: commits)
    }

    /// Which push path a test drives: Replicator's own receive-pack client (what runs wherever git
    /// is installed) or libgit2's push (the fallback without git).
    enum Engine: CaseIterable, Sendable {
        case sendPack
        case libgit2
    }

    /// Pushes to the site's mirror through `server`.
    static func push(
        _ site: Site,
        over server: SSHServer,
        config: String,
        batchSize: Int = 0,
        engine: Engine = .sendPack,
        pool: SSHSessionPool = SSHSessionPool()
    ) throws -> PushReport {
        try Self.push(
            site,
            url: server.url(site.mirror),
            access: server.access,
            config: config,
            batchSize: batchSize,
            engine: engine,
            pool: pool
        )
    }

    static func push(
        _ site: Site,
        url: String,
        access: SSHAccess = SSHAccess(),
        config: String,
        batchSize: Int = 0,
        engine: Engine = .sendPack,
        pool: SSHSessionPool = SSHSessionPool()
    ) throws -> PushReport {
        let planner = UpdatePlanner(remote: try RemoteFixture.remote(config))
        let local = try site.source.readRefs().refs
        let url = try RemoteURL(parsing: url)
        switch engine {
        case .libgit2:
            return try site.source.push(to: url, access: access, batchSize: batchSize) {
                planner.planFullSync(local: local, remote: $0)
            }
        case .sendPack:
            var options = SendPackOptions(git: GitBinary.locate()!, timeout: .seconds(30), pool: pool)
            options.batchSize = batchSize
            return try site.source.sendPack(to: url, access: access, options: options) {
                planner.planFullSync(local: local, remote: $0)
            }
        }
    }

    static let mirrorConfig =
        "  push = +refs/heads/*:refs/heads/*\n  push = +refs/tags/*:refs/tags/*\n  mirror = true\n"

    static func statuses(_ report: PushReport) -> [String: String] {
        Dictionary(
            uniqueKeysWithValues: report.results.map {
                ($0.update.destination, $0.status.rawValue + ($0.message.map { ": \($0)" } ?? ""))
            }
        )
    }

    @Test(arguments: Engine.allCases)
    func mirrorsOverSSHAndThenHasNothingToDo(engine: Engine) throws {
        let site = try Self.makeSite()
        let server = try SSHServer()
        let report = try Self.push(
            site,
            over: server,
            config: Self.mirrorConfig,
            engine: engine
        )
        #expect(
            Self.statuses(report) == [
                "refs/heads/dev": "ok", "refs/heads/main": "ok", "refs/heads/rewind": "ok", "refs/tags/v1": "ok",
                "refs/heads/gone": "ok",
            ]
        )
        #expect(
            try site.refs() == [
                "refs/heads/main": site.commits[2], "refs/heads/dev": site.commits[1],
                "refs/heads/rewind": site.commits[0],
                "refs/tags/v1": site.commits[0], "refs/pull/1/head": site.commits[0],
            ],
            "refs/pull/* lies outside the refspecs and stays"
        )
        let again = try Self.push(
            site,
            over: server,
            config: Self.mirrorConfig,
            engine: engine
        )
        #expect(again.results.isEmpty)
        #expect(again.plan.upToDate == 4)
    }

    @Test(arguments: Engine.allCases)
    func pushesToALocalPathToo(engine: Engine) throws {
        let site = try Self.makeSite()
        let report = try Self.push(site, url: site.mirror, config: Self.mirrorConfig, engine: engine)
        #expect(report.isSuccess, "\(report.results)")
        #expect(try site.refs()["refs/heads/gone"] == nil)
        #expect(try site.refs()["refs/heads/rewind"] == site.commits[0])
    }

    @Test(arguments: Engine.allCases)
    func refusesANonFastForwardForANonForcedRefSpecAndPushesTheRest(engine: Engine) throws {
        let site = try Self.makeSite()
        let server = try SSHServer()
        let report = try Self.push(
            site,
            over: server,
            config: "  push = refs/heads/*:refs/heads/*\n",
            engine: engine
        )
        #expect(
            Self.statuses(report) == [
                "refs/heads/dev": "ok", "refs/heads/main": "ok", "refs/heads/rewind": "rejected: non-fast-forward",
            ]
        )
        let refs = try site.refs()
        #expect(refs["refs/heads/rewind"] == site.commits[2], "the refused ref is untouched")
        #expect(refs["refs/heads/main"] == site.commits[2])
    }

    @Test(arguments: Engine.allCases)
    func reportsDeletionProhibitedPerRef(engine: Engine) throws {
        let site = try Self.makeSite()
        let server = try SSHServer()
        try Command.git(["config", "receive.denyDeletes", "true"], in: site.mirror)
        let report = try Self.push(
            site,
            over: server,
            config: Self.mirrorConfig,
            engine: engine
        )
        #expect(Self.statuses(report)["refs/heads/gone"] == "rejected: deletion prohibited")
        #expect(Self.statuses(report)["refs/heads/dev"] == "ok")
        #expect(try site.refs()["refs/heads/gone"] == site.commits[0])
    }

    @Test(arguments: Engine.allCases)
    func keepsTheServersMessagesWithAHookRejection(engine: Engine) throws {
        let site = try Self.makeSite()
        let server = try SSHServer()
        let hook = site.mirror + "/hooks/update"
        try Command.writeExecutable(
            "#!/bin/sh\n[ \"$1\" = refs/heads/dev ] && { echo \"no dev branches here\" >&2; exit 1; }\nexit 0\n",
            to: hook
        )
        let report = try Self.push(
            site,
            over: server,
            config: Self.mirrorConfig,
            engine: engine
        )
        #expect(Self.statuses(report)["refs/heads/dev"] == "rejected: hook declined")
        #expect(Self.statuses(report)["refs/heads/main"] == "ok")
        #expect(report.serverMessages.contains("no dev branches here"))
    }

    @Test func pushesInBatchesOverSeveralConnections() throws {
        let site = try Self.makeSite()
        let server = try SSHServer()
        let report = try Self.push(
            site,
            over: server,
            config: Self.mirrorConfig,
            batchSize: 2,
            engine: .libgit2
        )
        #expect(report.isSuccess && report.results.count == 5, "\(report.results)")
        #expect(server.log.components(separatedBy: "Accepted publickey").count - 1 == 3, "5 updates in batches of 2")
    }

    /// Replicator's engine sends the batches as exchanges on one ssh session: one login.
    @Test func sendsBatchesOverOneSSHSession() throws {
        let site = try Self.makeSite()
        let server = try SSHServer()
        let pool = SSHSessionPool()
        let report = try Self.push(
            site,
            over: server,
            config: Self.mirrorConfig,
            batchSize: 2,
            pool: pool
        )
        #expect(report.isSuccess && report.results.count == 5, "\(report.results)")
        #expect(server.log.components(separatedBy: "Accepted publickey").count - 1 == 1, "one login for 3 batches")
        #expect(pool.loginCount == 1 && pool.idleCount == 1, "the session stays open for the next push")
        #expect(try site.refs()["refs/heads/dev"] == site.commits[1])
    }

    @Test(arguments: Engine.allCases)
    func pushesNothingForABlockedPlan(engine: Engine) throws {
        let site = try Self.makeSite()
        let before = try site.refs()
        let report = try Self.push(
            site,
            url: site.mirror,
            config: Self.mirrorConfig + "  maxDeletions = 1\n  push = +refs/pull/*:refs/pull/*\n",
            engine: engine
        )
        #expect(
            report.results.allSatisfy { $0.status == .failed && $0.message?.contains("would delete 2 refs") == true }
        )
        #expect(try site.refs() == before)
    }
}

/// Remotes from config text, for tests that need a planner.
enum RemoteFixture {
    static func remote(_ lines: String) throws -> RemoteConfiguration {
        let text = "[remote \"r\"]\n  url = /m/${name}.git\n" + lines
        let configuration = ReplicationConfiguration.load(
            path: "/c/replication.config",
            fileSystem: StaticConfigFile(text: text)
        )
        return try #require(configuration.remotes.first, "\(configuration.diagnostics)")
    }
}

struct StaticConfigFile: ConfigFileSystem {
    let text: String

    func readFile(atPath path: String) throws(ConfigFileError) -> String? { self.text }
    func configFiles(inDirectory path: String) -> [String]? { nil }
    func expandingTilde(_ path: String) -> String { path }
}

@Suite(.offThePool)
struct ShellQuotingTests {
    @Test(arguments: [
        ("/srv/git/a.git", "'/srv/git/a.git'"),
        ("/srv/with space/x.git", "'/srv/with space/x.git'"),
        ("it's", "'it'\\''s'"),
        ("$(rm -rf /)", "'$(rm -rf /)'"),
    ])
    func quotesForThePOSIXShell(text: String, quoted: String) throws {
        #expect(ShellQuoting.quote(text) == quoted)
        let echoed = try Command.run("/bin/sh", ["-c", "printf %s \(quoted)"]).standardOutput
        #expect(echoed == text, "the shell reads back exactly the original")
    }

    @Test func pathsThatLookLikeOptionsAreNotOptions() throws {
        #expect(ShellQuoting.quote(path: "-x.git") == "'./-x.git'")
        #expect(ShellQuoting.quote(path: "/srv/-x.git") == "'/srv/-x.git'")
        let directory = try TemporaryDirectory("quoting")
        let made = try Command.run(
            "/bin/sh",
            ["-c", "cd '\(directory.path)' && mkdir -p \(ShellQuoting.quote(path: "-x.git"))"]
        )
        #expect(made.status == 0, "\(made.standardError)")
        #expect(FileManager.default.fileExists(atPath: directory.path("-x.git")))
    }
}

extension PushTests {
    /// A stale lock file on the server: "failed to update ref" is transient (failed, retried by the
    /// daemon), not a per-ref rejection; the other refs are pushed.
    @Test(arguments: Engine.allCases)
    func reportsAStaleServerLockAsATransientFailure(engine: Engine) throws {
        let site = try Self.makeSite()
        let server = try SSHServer()
        try "".write(toFile: site.mirror + "/refs/heads/dev.lock", atomically: true, encoding: .utf8)
        let report = try Self.push(
            site,
            over: server,
            config: Self.mirrorConfig,
            engine: engine
        )
        #expect(Self.statuses(report)["refs/heads/dev"] == "failed: failed to update ref")
        #expect(Self.statuses(report)["refs/heads/main"] == "ok")
        #expect(report.hasUpdateRefFailure)
        #expect(report.serverMessages.contains("cannot lock ref"))
    }
}

extension PushTests {
    /// Another writer moves a ref between the advertisement and the commands (a node cut off from
    /// its lease, an orphaned receive-pack): the mirror's compare-and-swap refuses ours, and that is
    /// a transient failure (retried from a fresh read of both sides), never a final rejection.
    @Test(arguments: Engine.allCases)
    func aRefMovedMidPushIsACompareAndSwapFailure(engine: Engine) throws {
        let site = try Self.makeSite()
        let server = try SSHServer()
        let hook = site.mirror + "/hooks/pre-receive"
        try """
        #!/bin/sh
        unset GIT_QUARANTINE_PATH
        git update-ref refs/heads/main \(site.commits[0])
        """.write(toFile: hook, atomically: true, encoding: .utf8)
        chmod(hook, 0o755)
        let report = try Self.push(site, over: server, config: Self.mirrorConfig, engine: engine)
        #expect(Self.statuses(report)["refs/heads/main"] == "failed: failed to update ref")
        #expect(report.hasUpdateRefFailure)
        #expect(PushOutcome(report: report).attemptResult.kind == .updateRefFailed)
        #expect(report.serverMessages.contains("but expected"))
    }

    /// The words mirrors use for a compare-and-swap or lock failure (git's, JGit's, inside and
    /// outside atomic pushes), against those that are final.
    @Test func compareAndSwapRefusalsAreTransientAndPolicyRefusalsAreNot() {
        for transient in [
            "failed to update ref", "atomic transaction failed", "failed to lock", "lock error: refs/heads/x",
            "stale info", "reference already exists",
        ] {
            #expect(RefResult.isUpdateRefFailure(transient), "\(transient)")
        }
        for final in ["atomic push failure", "non-fast-forward", "pre-receive hook declined", "prohibited by Gerrit"] {
            #expect(!RefResult.isUpdateRefFailure(final), "\(final)")
        }
    }
}
