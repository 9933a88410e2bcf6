import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// Many deletions in one push reach a real `git-receive-pack` as one atomic transaction, so the
/// mirror rewrites its `packed-refs` once, not once per ref; refused, they are sent again without
/// `atomic`.
@Suite(.offThePool)
struct SendPackDeletionTests {
    init() { LibGit2.initialize() }

    static let deleted = (0..<40).map { "refs/heads/old/\($0)" }

    /// A source with `main` and `new`; a mirror with `main` and 40 packed branches the source
    /// no longer has, whose `reference-transaction` hook logs each committed transaction's size.
    static func makeSite(mirrorArguments: [[String]] = [], mirrorIn root: String? = nil) throws -> (
        SendPackTests.Site, log: String
    ) {
        let directory = try TemporaryDirectory("deletions")
        let sourcePath = directory.path("source.git")
        let mirror = root.map { "\($0)/p.git" } ?? directory.path("mirror.git")
        let ids = try GitFixtures.makeRepository(
            at: sourcePath,
            refs: [("refs/heads/main", "m"), ("refs/heads/new", "n")]
        )
        try GitFixtures.makeRepository(at: mirror)
        let main = try #require(ids["refs/heads/main"])
        try Command.git(["push", "-q", mirror, "refs/heads/main"], in: sourcePath)
        let creates = Self.deleted.map { "create \($0) \(main)\n" }.joined()
        let created = try Command.run("git", ["update-ref", "--stdin"], in: mirror, input: creates)
        #expect(created.status == 0, "\(created.standardError)")
        try Command.git(["pack-refs", "--all"], in: mirror)
        for arguments in mirrorArguments { try Command.git(arguments, in: mirror) }
        let log = directory.path("transactions.log")
        try GitFixtures.installHook(
            "#!/bin/sh\n[ \"$1\" = committed ] || exit 0\necho \"$(wc -l | tr -d ' ')\" >> '\(log)'\n",
            named: "reference-transaction",
            in: mirror
        )
        let site = SendPackTests.Site(
            directory: directory,
            source: try GitRepository(path: sourcePath),
            sourcePath: sourcePath,
            mirror: mirror,
            ids: ids
        )
        return (site, log)
    }

    static func push(
        _ site: SendPackTests.Site,
        url: String,
        access: SSHAccess = SSHAccess(),
        http: HTTPTransportOptions? = nil
    ) throws -> PushReport {
        let remote = try RemoteFixture.remote("  push = +refs/heads/*:refs/heads/*\n  mirror = true\n")
        let planner = UpdatePlanner(remote: remote)
        let local = try site.source.readRefs().refs
        var options = SendPackTests.options()
        if let http { options.http = http }
        return try site.source.sendPack(to: try RemoteURL(parsing: url), access: access, options: options) {
            planner.planFullSync(local: local, remote: $0)
        }
    }

    /// Sizes of the transactions the mirror committed, in order.
    static func transactions(_ log: String) throws -> [Int] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { Int($0) }
    }

    @Test func fortyDeletionsAreOneTransactionOnTheMirror() throws {
        let (site, log) = try Self.makeSite()
        let server = try SSHServer()
        let report = try Self.push(site, url: server.url(site.mirror), access: server.access)
        #expect(report.isSuccess, "\(report.results)")
        let statuses = PushTests.statuses(report)
        #expect(Self.deleted.allSatisfy { statuses[$0] == "ok" }, "\(statuses)")
        #expect(statuses["refs/heads/new"] == "ok")
        let refs = try site.refs()
        #expect(Self.deleted.allSatisfy { refs[$0] == nil })
        #expect(refs["refs/heads/new"] == site.ids["refs/heads/new"])
        // git 2.39 runs the hook a second time for the packed-refs transaction inside a deletion:
        // [40, 40, 1] there, [40, 1] where it does not.
        let transactions = try Self.transactions(log)
        #expect(transactions.count <= 3 && transactions.first == 40 && transactions.last == 1, "\(transactions)")
        #expect(server.loginCount == 1, "both exchanges on one session")
    }

    /// Over smart HTTP the deletions' exchange is a request of its own (another GET of the refs).
    @Test func overHTTPSTheDeletionsAreOneTransactionToo() throws {
        let server = try SmartHTTPServer()
        let (site, log) = try Self.makeSite(mirrorIn: server.root)
        let http = HTTPTransportOptions(username: server.user, password: server.password, caFile: server.certificate)
        let report = try Self.push(site, url: "\(server.base)/p.git", http: http)
        #expect(report.isSuccess, "\(report.results)")
        let refs = try site.refs()
        #expect(Self.deleted.allSatisfy { refs[$0] == nil })
        #expect(refs["refs/heads/new"] == site.ids["refs/heads/new"])
        let transactions = try Self.transactions(log)
        #expect(transactions.count <= 3 && transactions.first == 40 && transactions.last == 1, "\(transactions)")
        let posts = server.requestLog.split(separator: "\n").filter { $0.hasPrefix("POST /p.git/git-receive-pack") }
        #expect(posts.count == 2, "\(server.requestLog)")
    }

    /// The control: without `atomic` on the mirror, receive-pack commits every deletion alone.
    @Test func withoutAtomicEachDeletionIsATransactionOfItsOwn() throws {
        let (site, log) = try Self.makeSite(mirrorArguments: [["config", "receive.advertiseAtomic", "false"]])
        let report = try Self.push(site, url: site.mirror)
        #expect(report.isSuccess, "\(report.results)")
        let transactions = try Self.transactions(log)
        #expect(transactions.count >= 41 && transactions.allSatisfy { $0 == 1 }, "\(transactions)")
    }

    /// One refused deletion refuses the atomic unit; the deletions are then sent again without
    /// `atomic`, and only the refused one stays.
    @Test func aRefusedDeletionKeepsOnlyItselfOut() throws {
        let (site, log) = try Self.makeSite()
        try GitFixtures.installHook(
            "#!/bin/sh\n[ \"$1\" = refs/heads/old/7 ] && { echo 'old/7 stays' >&2; exit 1; }\nexit 0\n",
            named: "update",
            in: site.mirror
        )
        let report = try Self.push(site, url: site.mirror)
        let statuses = PushTests.statuses(report)
        #expect(statuses["refs/heads/old/7"] == "rejected: hook declined", "\(statuses)")
        let others = Self.deleted.filter { $0 != "refs/heads/old/7" }
        #expect(others.allSatisfy { statuses[$0] == "ok" }, "\(statuses)")
        let refs = try site.refs()
        #expect(refs["refs/heads/old/7"] != nil)
        #expect(others.allSatisfy { refs[$0] == nil })
        #expect(refs["refs/heads/new"] == site.ids["refs/heads/new"])
        let transactions = try Self.transactions(log)
        #expect(transactions.count >= 40 && transactions.allSatisfy { $0 == 1 }, "refused whole, then one by one")
    }
}
