import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// Host refusals as the hosts send them, over git's real protocol and the test sshd: a fake
/// receive-pack answers each push with GitHub's, GitLab's or Gerrit's own report reasons and
/// sideband texts (the recorded ones HostRefusalTests cites), which a hook on a real git server
/// cannot produce (git words a hook's refusal `pre-receive hook declined`).
@Suite(.offThePool)
struct HostRefusalWireTests {
    init() { LibGit2.initialize() }

    static func push(_ site: SendPackTests.Site, through fake: FakeReceivePack) throws -> (PushReport, String) {
        let server = try SSHServer()
        var options = SendPackTests.options()
        options.receivePack = fake.command
        let url = server.url(site.mirror)
        let report = try SendPackTests.push(site, url: url, access: server.access, options: options)
        return (report, try RemoteURL(parsing: url).description)
    }

    /// GitHub's push limit (GH013, "Pushes can not update more than 2 branches or tags"): a push
    /// over it is refused whole; it is sent again in batches of two (a change's refs together),
    /// every ref lands, and the URL keeps the limit.
    @Test func githubsPushLimitIsLearnedAndEveryRefLands() throws {
        let site = try SendPackTests.makeSite()
        let fake = try FakeReceivePack(limit: 2, in: site.directory)
        let (report, url) = try Self.push(site, through: fake)
        #expect(report.isSuccess, "\(report.results)")
        #expect(try site.refs() == site.ids)
        let lines = try fake.lines()
        // The branch alone, then both changes' four refs atomically (refused), then a change a push.
        #expect(lines == ["accepted 1", "refused 4", "accepted 2", "accepted 2"], "\(lines)")
        #expect(PushLimits.shared.limit(for: url) == 2)
    }

    /// A policy refusal keeps that ref out with the host's class and words; the rest lands.
    @Test(arguments: [
        (
            "protected branch hook declined",
            "error: GH006: Protected branch update failed for refs/heads/main.\n"
                + "error: Cannot force-push to this branch\n",
            "GH006, policy", "Cannot force-push to this branch"
        ),
        (
            "push declined due to repository rule violations",
            "error: GH013: Repository rule violations found for refs/heads/main.\n"
                + "Review all repository rules at https://github.com/OWNER/REPO/rules?ref=refs%2Fheads%2Fmain\n\n"
                + "- Changes must be made through a pull request.\n\n",
            "GH013, policy", "Changes must be made through a pull request."
        ),
        (
            "pre-receive hook declined",
            "error: GH001: Large files detected. You may want to try Git Large File Storage - https://git-lfs.github.com.\n"
                + "error: File big.bin is 120.00 MB; this exceeds GitHub's file size limit of 100.00 MB\n",
            "GH001, policy", "this exceeds GitHub's file size limit"
        ),
        (
            "pre-receive hook declined",
            "GitLab: You are not allowed to force push code to a protected branch on this project.\n",
            "GitLab, policy", "not allowed to force push"
        ),
        ("prohibited by Gerrit: not permitted: force update", "", "Gerrit, policy", "not permitted: force update"),
    ])
    func aHostsPolicyRefusesOneRefInItsOwnWords(reason: String, said: String, label: String, words: String) throws {
        let site = try SendPackTests.makeSite()
        let refusal = FakeReceivePack.Refusal(reason: reason, said: said)
        let fake = try FakeReceivePack(refuse: ["refs/heads/main": refusal], in: site.directory)
        let (report, _) = try Self.push(site, through: fake)
        let main = try #require(report.results.first { $0.update.destination == "refs/heads/main" })
        #expect(main.status == .rejected)
        #expect(main.message?.hasPrefix(reason) == true, "\(main.message ?? "")")
        #expect(main.message?.contains(label) == true, "\(main.message ?? "")")
        #expect(main.message?.contains(words) == true, "\(main.message ?? "")")
        #expect(report.results.filter { $0.update.destination != "refs/heads/main" }.allSatisfy { $0.status == .ok })
        #expect(try site.refs()["refs/heads/main"] == nil)
    }

    /// A rate limit is not a verdict on the ref: it fails (and is retried) instead of being refused.
    @Test func aRateLimitedRefFailsForARetry() throws {
        let site = try SendPackTests.makeSite()
        let refusal = FakeReceivePack.Refusal(
            reason: "pre-receive hook declined",
            said: "error: API rate limit exceeded for installation ID 1234. Try again later.\n"
        )
        let fake = try FakeReceivePack(refuse: ["refs/heads/main": refusal], in: site.directory)
        let (report, _) = try Self.push(site, through: fake)
        let main = try #require(report.results.first { $0.update.destination == "refs/heads/main" })
        #expect(main.status == .failed)
        #expect(main.message?.contains("retry later") == true, "\(main.message ?? "")")
    }
}
