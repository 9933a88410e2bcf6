import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// First mirrors under a push-size cap, against real receive-pack over the test sshd: a mirror
/// whose git refuses big packs (`receive.maxInputSize`, as GitHub refuses packs over 2 GiB) and
/// `maxPushSize` without a server cap. The mirror's pre-receive hook logs every push it accepts
/// with the size of what arrived and where `main` started.
@Suite(.offThePool)
struct SizeCapPushTests {
    init() { LibGit2.initialize() }

    static let cap = 20 << 20

    struct Site: Sendable {
        let directory: TemporaryDirectory
        let sourcePath: String
        let history: GitFixtures.HeavyHistory
        let mirror: String
        let log: String

        /// Each accepted push: the bytes that arrived, and its first command (`old new ref`).
        func pushes() throws -> [(bytes: Int, command: [Substring])] {
            guard FileManager.default.fileExists(atPath: self.log) else { return [] }
            return try String(contentsOfFile: self.log, encoding: .utf8).split(separator: "\n").map {
                let fields = $0.split(separator: " ")
                return (Int(fields[0]) ?? -1, Array(fields.dropFirst()))
            }
        }

        /// Whether each push that moved the same ref as the push before it started where that one
        /// left the ref (steps are compare-and-swap pushes along one line).
        func stepsChain() throws -> Bool {
            let commands = try self.pushes().map(\.command).filter { $0.count == 3 }
            return zip(commands, commands.dropFirst()).allSatisfy { earlier, later in
                earlier[2] != later[2] || later[0] == earlier[1]
            }
        }
    }

    /// About 88 MiB that does not compress (160 commits of 500 kB on main, 16 on a merged side
    /// branch), the size of a real history that hit a 20 MiB cap.
    static func makeSite(commits: Int = 160, bytesPerCommit: Int = 500_000, mirrorConfig: [[String]] = []) throws
        -> Site
    {
        let directory = try TemporaryDirectory("sizecap")
        let sourcePath = directory.path("source.git")
        let history = try GitFixtures.makeHeavyHistory(
            at: sourcePath,
            commits: commits,
            bytesPerCommit: bytesPerCommit
        )
        let mirror = directory.path("mirror.git")
        try GitFixtures.makeRepository(at: mirror)
        for arguments in mirrorConfig { try Command.git(arguments, in: mirror) }
        let log = directory.path("pushes.log")
        try GitFixtures.installHook(Self.logHook(log), named: "pre-receive", in: mirror)
        return Site(
            directory: directory,
            sourcePath: sourcePath,
            history: history,
            mirror: mirror,
            log: log
        )
    }

    /// Logs the quarantine's size (what this push brought) and the push's first command.
    static func logHook(_ log: String) -> String {
        """
        #!/bin/sh
        first=$(head -n 1)
        cat > /dev/null
        size=$(du -sb "$GIT_QUARANTINE_PATH" | cut -f1)
        echo "$size $first" >> \(log)

        """
    }

    static let mirrorSpec = "  push = +refs/*:refs/*\n  mirror = true\n"

    static func push(_ site: Site, url: String, access: SSHAccess, options: SendPackOptions) throws -> PushReport {
        let planner = UpdatePlanner(remote: try RemoteFixture.remote(Self.mirrorSpec))
        let source = try GitRepository(path: site.sourcePath)
        let local = try source.readRefs().refs
        return try source.sendPack(to: try RemoteURL(parsing: url), access: access, options: options) {
            planner.planFullSync(local: local, remote: $0)
        }
    }

    /// A big push done on a thread of its own (it blocks for seconds: on the cooperative pool it
    /// would hold up every other test of a parallel run), and what the tests check after it.
    struct Run: Sendable {
        let site: Site
        let report: PushReport
        let url: String
        let mirrorEqualsSource: Bool
        let fsck: Command.Output
        let pushes: [(bytes: Int, command: [Substring])]
        let stepsChain: Bool

        init(_ site: Site, url: String, access: SSHAccess, options: SendPackOptions) throws {
            self.site = site
            self.report = try SizeCapPushTests.push(site, url: url, access: access, options: options)
            self.url = try RemoteURL(parsing: url).description
            self.mirrorEqualsSource = try GitFixtures.refs(of: site.mirror) == site.history.refs
            self.fsck = try Command.run("git", ["--git-dir", site.mirror, "fsck", "--strict", "--no-progress"])
            self.pushes = try site.pushes()
            self.stepsChain = try site.stepsChain()
        }
    }

    static func expectMirrorEqualsSource(_ site: Site) throws {
        #expect(try GitFixtures.refs(of: site.mirror) == site.history.refs)
        let fsck = try Command.run("git", ["--git-dir", site.mirror, "fsck", "--strict", "--no-progress"])
        #expect(fsck.status == 0, "\(fsck.standardError)")
    }

    /// The mirror refuses packs over 20 MiB and nothing here says so: the first refusal teaches the
    /// cap, and the history lands in steps, each under it, with every ref equal to the source's.
    @Test func aFirstMirrorOverTheHostsCapLandsInSteps() async throws {
        let run = try await onOwnThread {
            let site = try Self.makeSite(mirrorConfig: [["config", "receive.maxInputSize", "20m"]])
            let server = try SSHServer()
            return try Run(site, url: server.url(site.mirror), access: server.access, options: SendPackTests.options())
        }
        #expect(run.site.history.bytes > 4 * Self.cap, "the history must need several pushes")
        #expect(run.report.isSuccess, "\(run.report.results.filter { $0.status != .ok })")
        #expect(run.mirrorEqualsSource && run.fsck.status == 0, "\(run.fsck.standardError)")
        #expect(run.pushes.count >= 5, "\(run.pushes)")
        #expect(run.pushes.allSatisfy { $0.bytes > 0 && $0.bytes <= Self.cap }, "\(run.pushes)")
        #expect(run.stepsChain, "\(run.pushes)")
        #expect(run.report.serverMessages.contains("pack exceeds maximum allowed size"))
        let learned = try #require(PushLimits.shared.sizeCap(for: run.url))
        #expect(learned < Self.cap)
    }

    /// `maxPushSize` and no cap on the server: cut before anything is refused, so every byte sent
    /// is sent once.
    @Test func maxPushSizeCutsAFirstMirrorBeforeTheHostRefuses() async throws {
        let run = try await onOwnThread {
            let site = try Self.makeSite()
            let server = try SSHServer()
            var options = SendPackTests.options()
            options.maxPushSize = Self.cap
            return try Run(site, url: server.url(site.mirror), access: server.access, options: options)
        }
        #expect(run.report.isSuccess, "\(run.report.results.filter { $0.status != .ok })")
        #expect(run.mirrorEqualsSource && run.fsck.status == 0, "\(run.fsck.standardError)")
        #expect(run.pushes.count >= 5, "\(run.pushes)")
        #expect(run.pushes.allSatisfy { $0.bytes > 0 && $0.bytes <= Self.cap }, "\(run.pushes)")
        let history = run.site.history.bytes
        #expect(run.report.bytesSent < history + history / 20, "sent \(run.report.bytesSent)")
        #expect(run.stepsChain, "\(run.pushes)")
    }

    /// A blob bigger than the cap cannot be cut: its ref fails naming the blob and its size, and the
    /// other refs land.
    @Test func anObjectLargerThanTheCapFailsItsRefNamingTheObject() throws {
        let site = try Self.makeSite(commits: 8, bytesPerCommit: 10_000)
        let big = site.directory.path("big.bin")
        _ = FileManager.default.createFile(
            atPath: big,
            contents: Data((0..<600_000).map { _ in UInt8.random(in: 0...255) })
        )
        let blob = try Command.git(["--git-dir", site.sourcePath, "hash-object", "-w", big])
        let tree = try Command.run(
            "git",
            ["--git-dir", site.sourcePath, "mktree"],
            input: "100644 blob \(blob)\tbig.bin\n"
        ).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        let main = try #require(site.history.refs["refs/heads/main"])
        let commit = try Command.git(["--git-dir", site.sourcePath, "commit-tree", tree, "-p", main, "-m", "big"])
        try Command.git(["--git-dir", site.sourcePath, "update-ref", "refs/heads/big", commit])
        var options = SendPackTests.options()
        options.maxPushSize = 256 << 10
        let report = try Self.push(site, url: site.mirror, access: SSHAccess(), options: options)
        let failed = report.results.filter { $0.status != .ok }
        #expect(failed.map(\.update.destination) == ["refs/heads/big"], "\(failed)")
        let message = failed.first?.message ?? ""
        #expect(message.contains("blob \(blob) is 600000 bytes"), "\(message)")
        #expect(message.contains("cap of 262144 bytes (maxPushSize)"), "\(message)")
        #expect(try GitFixtures.refs(of: site.mirror)["refs/heads/main"] == main)
    }

    /// Batches (`pushBatchSize`) on a first mirror: a later batch is thin against what the earlier
    /// ones landed, so the history travels once, not once a batch.
    @Test func laterBatchesDoNotSendHistoryAgain() throws {
        let site = try Self.makeSite(commits: 20, bytesPerCommit: 100_000)
        var options = SendPackTests.options()
        options.batchSize = 1
        let report = try Self.push(site, url: site.mirror, access: SSHAccess(), options: options)
        #expect(report.isSuccess, "\(report.results)")
        #expect(report.results.count == 5)
        #expect(report.bytesSent < site.history.bytes + site.history.bytes / 10, "sent \(report.bytesSent)")
        try Self.expectMirrorEqualsSource(site)
    }
}
