import Foundation
import ReplicationTestSupport
import Testing

/// `maxDeletions` over a sliding window per URL (`maxDeletionsWindow`): deletions that arrive one
/// at a time add up.
@Suite(.offThePool)
struct DeletionWindowTests {
    /// Thirty single-branch deletions 0.3 s apart with `maxDeletions = 10` deleted all thirty; now at
    /// most ten go, the rest are held (visible in `/status`) until `allow-deletions` lets them through.
    @Test func singleDeletionsAddUpAndAreHeldPastMaxDeletions() throws {
        let site = try LocalSite(
            remote: """
                push = +refs/heads/*:refs/heads/*
                  replicateDeletions = true
                  maxDeletions = 10
                  replicationDelay = 0
                """
        )
        let branches = (1...30).map { String(format: "refs/heads/b%02d", $0) }
        var values: [String: String] = [:]
        for branch in branches { values[branch] = try GitFixtures.commit(branch, branch, in: site.source()) }
        #expect(try site.replicator(["start", "--all", "--wait", "--now"]).status == 0)
        #expect(try GitFixtures.refs(of: site.mirror()).count == 31)
        try site.serve()
        for branch in branches {
            try Command.git(["--git-dir", site.source(), "update-ref", "-d", branch])
            let zero = String(repeating: "0", count: 40)
            #expect(try site.post(GerritEvent.refUpdated(branch, old: values[branch], new: zero)).status == 202)
            usleep(300_000)
        }
        let base = site.base
        #expect(
            eventually { (try? HTTPClient.get("\(base)/status").body)?.contains("maxDeletionsWindow") == true },
            "held with the window's reason: \(site.daemon?.log ?? "")"
        )
        let remaining = try GitFixtures.refs(of: site.mirror()).keys.filter { $0.hasPrefix("refs/heads/b") }
        #expect(remaining.count >= 20, "at most 10 deleted: \(remaining.count) of 30 left")
        let release = try site.replicator(["allow-deletions", "p", "--remote", "mirror"])
        #expect(release.status == 0, "\(release.standardOutput)\(release.standardError)")
        #expect(
            eventually { (try? GitFixtures.refs(of: site.mirror()))?.keys.sorted() == ["refs/heads/main"] },
            "released: \(site.daemon?.log ?? "")"
        )
    }
}

/// A refusal that goes away by itself must not cost the mirror its newest value.
@Suite(.offThePool)
struct StaleLockTests {
    /// A stale `refs/heads/main.lock` on the mirror (`failed to update ref`) dropped the update for
    /// good under `updateRefErrorMaxRetries = 0`; it is retried until the lock is gone.
    @Test func aStaleLockOnTheMirrorDelaysTheUpdateButNeverDropsIt() throws {
        let site = try LocalSite(
            remote: "push = +refs/heads/*:refs/heads/*\n  replicationDelay = 0\n  replicationRetry = 1 s"
        )
        #expect(try site.replicator(["start", "--all", "--wait", "--now"]).status == 0)
        let lock = site.mirror() + "/refs/heads/main.lock"
        #expect(FileManager.default.createFile(atPath: lock, contents: Data()))
        let newer = try GitFixtures.commit("refs/heads/main", "newer", in: site.source())
        try site.serve()
        #expect(try site.post(GerritEvent.refUpdated("refs/heads/main")).status == 202)
        #expect(
            eventually { site.daemon?.log.contains("failed to update ref") == true },
            "the lock refuses the update: \(site.daemon?.log ?? "")"
        )
        try FileManager.default.removeItem(atPath: lock)
        #expect(
            eventually { (try? GitFixtures.refs(of: site.mirror()))?["refs/heads/main"] == newer },
            "retried once the lock is gone: \(site.daemon?.log ?? "")"
        )
    }
}
