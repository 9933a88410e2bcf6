import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// Host refusals replayed by a real receive-pack: the mirror's pre-receive hook writes what GitHub
/// writes (HostRefusalTests has the sources) and refuses as GitHub does.
@Suite(.offThePool)
struct HostRefusalPushTests {
    init() { LibGit2.initialize() }

    /// GitHub's push limit (a ruleset's "more than N branches or tags"), N = 2: the whole push is
    /// refused with a GH013 block per ref; every accepted push is logged with its ref count.
    static func limitToTwoRefs(_ mirror: String, log: String) throws {
        try GitFixtures.installHook(
            """
            #!/bin/sh
            input=$(cat)
            count=$(printf '%s\\n' "$input" | grep -c .)
            if [ "$count" -gt 2 ]; then
              printf '%s\\n' "$input" | while read old new ref; do
                echo "error: GH013: Repository rule violations found for $ref." >&2
                echo "Review all repository rules at https://github.com/OWNER/REPO/rules?ref=x" >&2
                echo "" >&2
                echo "- Pushes can not update more than 2 branches or tags." >&2
                echo "" >&2
              done
              echo refused >> \(log)
              exit 1
            fi
            echo "accepted $count" >> \(log)

            """,
            named: "pre-receive",
            in: mirror
        )
    }

    /// Five refs to a host that takes two a push (the branch alone, then both changes' four refs in one
    /// atomic push): refused once, then sent in batches of at most two (a change's two refs together), every ref lands, and the next push to that URL starts in
    /// batches of two without being refused again.
    @Test(arguments: [false, true])
    func aPushOverTheHostsLimitIsSentAgainInBatches(overSSH: Bool) throws {
        let server = try SSHServer()
        let site = try SendPackTests.makeSite()
        let log = site.directory.path("hook.log")
        try Self.limitToTwoRefs(site.mirror, log: log)
        let url = overSSH ? server.url(site.mirror) : site.mirror
        let report = try SendPackTests.push(site, url: url, access: server.access, options: SendPackTests.options())
        #expect(report.isSuccess, "\(report.results)")
        #expect(report.results.count == 5)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(lines.count { $0 == "refused" } == 1, "\(lines)")
        #expect(lines.filter { $0 != "refused" }.allSatisfy { $0 == "accepted 1" || $0 == "accepted 2" }, "\(lines)")
        #expect(try site.refs().count == 5)
        #expect(PushLimits.shared.limit(for: try RemoteURL(parsing: url).description) == 2)

        // Three new refs: batches of two from the start, nothing refused.
        try FileManager.default.removeItem(atPath: log)
        for name in ["refs/heads/x", "refs/heads/y", "refs/heads/z"] {
            _ = try GitFixtures.commit(name, name, in: site.sourcePath)
        }
        let next = try SendPackTests.push(site, url: url, access: server.access, options: SendPackTests.options())
        #expect(next.isSuccess, "\(next.results)")
        let again = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        #expect(!again.contains("refused"), "\(again)")
        #expect(try site.refs().count == 8)
    }

    /// GitHub's protected branch (GH006): that ref alone is refused, with the class and the host's
    /// words; the others land.
    @Test func aProtectedBranchIsRefusedWithTheHostsWords() throws {
        let site = try SendPackTests.makeSite()
        try GitFixtures.installHook(
            """
            #!/bin/sh
            [ "$1" = refs/heads/main ] || exit 0
            echo "error: GH006: Protected branch update failed for refs/heads/main." >&2
            echo "error: Changes must be made through a pull request." >&2
            exit 1

            """,
            named: "update",
            in: site.mirror
        )
        let report = try SendPackTests.push(site, url: site.mirror, options: SendPackTests.options())
        let main = try #require(report.results.first { $0.update.destination == "refs/heads/main" })
        #expect(main.status == .rejected)
        #expect(main.message?.contains("GH006, policy") == true, "\(main.message ?? "")")
        #expect(main.message?.contains("Changes must be made through a pull request.") == true)
        #expect(report.results.filter { $0.update.destination != "refs/heads/main" }.allSatisfy { $0.status == .ok })
    }
}
