import ReplicationCore
import Testing

/// Host refusals as the hosts write them (sideband text without git's `remote: ` prefix, and the
/// report's reason), each from a public report: GitHub's in ejoffe/spr#422, modular/stack-pr#118,
/// yshavit/mdq#255, supportpal/github-gh-cli#47, hexojs/hexo#2817; GitLab's in gitlabhq#10405.
struct HostRefusalTests {
    static let pushLimit = """
        Resolving deltas: 100% (15/15), completed with 11 local objects.
        error: GH013: Repository rule violations found for refs/heads/spr/master/1044d298.
        Review all repository rules at http://github.com/OWNER/REPO/rules?ref=refs%2Fheads%2Fspr

        - Pushes can not update more than 5 branches or tags.

        error: GH013: Repository rule violations found for refs/heads/spr/master/34bd3f58.
        Review all repository rules at http://github.com/OWNER/REPO/rules?ref=refs%2Fheads%2Fspr

        - Pushes can not update more than 5 branches or tags.

        """

    @Test func githubsPushLimitIsTooManyRefsWithItsLimit() throws {
        let refusal = try #require(
            HostRefusal.decode(
                reason: "push declined due to repository rule violations",
                ref: "refs/heads/spr/master/34bd3f58",
                serverMessages: Self.pushLimit
            )
        )
        #expect(refusal.kind == .tooManyRefs && refusal.limit == 5 && refusal.code == "GH013")
        #expect(refusal.words.contains("refs/heads/spr/master/34bd3f58"))
        #expect(!refusal.words.contains("1044d298"), "another ref's block is not this ref's")
    }

    @Test func aRulesetRequiringPullRequestsIsPolicy() throws {
        let said = """
            error: GH013: Repository rule violations found for refs/heads/main.tmp.
            Review all repository rules at https://github.com/yshavit/mdq/rules?ref=refs%2Fheads%2Fmain.tmp

            - Changes must be made through a pull request.

            """
        let refusal = try #require(
            HostRefusal.decode(
                reason: "push declined due to repository rule violations",
                ref: "refs/heads/main.tmp",
                serverMessages: said
            )
        )
        #expect(refusal.kind == .policy && refusal.limit == nil)
        #expect(refusal.words.contains("Changes must be made through a pull request."))
        #expect(refusal.message(reason: "push declined due to repository rule violations").contains("GH013, policy"))
    }

    @Test(arguments: [
        (
            "error: GH006: Protected branch update failed for refs/heads/master.\n"
                + "error: Changes must be made through a pull request. Required status check \"Build\" is expected.\n",
            "protected branch hook declined", "refs/heads/master", "GH006"
        ),
        (
            "error: GH006: Protected branch update failed for refs/heads/master.\n"
                + "error: Cannot force-push to a protected branch.\n",
            "protected branch hook declined", "refs/heads/master", "GH006"
        ),
        (
            "error: GH001: Large files detected. You may want to try Git Large File Storage - https://git-lfs.github.com.\n"
                + "error: File big.bin is 120.00 MB; this exceeds GitHub's file size limit of 100.00 MB\n",
            "pre-receive hook declined", "refs/heads/main", "GH001"
        ),
        (
            "GitLab: You are not allowed to force push code to a protected branch on this project.\n",
            "pre-receive hook declined", "refs/heads/master", "GitLab"
        ),
        ("", "prohibited by Gerrit: not permitted: force update", "refs/heads/master", "Gerrit"),
    ])
    func hostPoliciesAreFinalForTheRef(said: String, reason: String, ref: String, code: String) throws {
        let refusal = try #require(HostRefusal.decode(reason: reason, ref: ref, serverMessages: said))
        #expect(refusal.kind == .policy)
        #expect(refusal.code == code)
        #expect(!refusal.words.isEmpty)
    }

    @Test func aBusyHostIsRetriedLater() throws {
        let refusal = try #require(
            HostRefusal.decode(
                reason: "pre-receive hook declined",
                ref: "refs/heads/main",
                serverMessages: "error: API rate limit exceeded, try again later\n"
            )
        )
        #expect(refusal.kind == .retryLater)
    }

    @Test func gitsOwnReasonsAreLeftAsTheyAre() {
        #expect(HostRefusal.decode(reason: "non-fast-forward", ref: "refs/heads/a", serverMessages: "") == nil)
        #expect(HostRefusal.decode(reason: "hook declined", ref: "refs/heads/a", serverMessages: "hello\n") == nil)
        #expect(
            HostRefusal.decode(reason: "deny updating a hidden ref", ref: "refs/pull/1/head", serverMessages: "")?.kind
                == .policy
        )
    }

    /// git's words for a pack over `receive.maxInputSize`, which GitHub (2 GiB) and GitLab print too.
    @Test func aPackRefusedForItsSizeIsTooLarge() throws {
        let said =
            "remote: fatal: pack exceeds maximum allowed size\nerror: remote unpack failed: index-pack abnormal exit\n"
        let refusal = try #require(HostRefusal.decodeUnpack(serverMessages: said))
        #expect(refusal.kind == .tooLarge)
        #expect(refusal.words == "fatal: pack exceeds maximum allowed size")
        #expect(HostRefusal.decodeUnpack(serverMessages: "fatal: index-pack failed\n") == nil)
    }

    /// The one mapping from a server's report to a ref's result, which both push engines use.
    @Test func aReportedStatusMapsToOneResultForBothEngines() {
        let id = ObjectID(hex: String(repeating: "a", count: 40))!
        let update = RefUpdate.deletion(of: "refs/heads/main", at: id, isForced: true)
        let map = { (said: String??, messages: String) in
            RefResult.reported(for: update, said: said, serverMessages: messages)
        }
        #expect(map(.some(nil), "").result.status == .ok)
        #expect(map(.some("failed to lock"), "").result.status == .failed, "a stale lock is retried")
        #expect(
            map(.some("hook declined"), "").result
                == RefResult(update: update, status: .rejected, message: "hook declined")
        )
        let busy = map(.some("pre-receive hook declined"), "error: API rate limit exceeded, try again later\n")
        #expect(busy.refusal?.kind == .retryLater && busy.result.status == .failed, "a busy host is retried")
        #expect(map(nil, "").result.status == .failed && map(nil, "").refusal == nil)
    }
}
