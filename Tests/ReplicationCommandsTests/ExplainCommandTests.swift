import Foundation
import ReplicationTestSupport
import Testing

/// `replicator explain` run as a user would, over the real sshd, after real pushes left their
/// statuses in the store.
@Suite(.offThePool)
struct ExplainCommandTests {
    typealias Site = VerifyReconcileTests.Site

    @Test func aRefusedRefIsExplainedWithItsLineItsValuesAndItsLastPush() throws {
        let site = try Site(reconcileInterval: "0")
        let values = try site.drift()
        let start = try site.replicator(["start", "--all", "--wait", "--now"])
        #expect(start.status == 1, "the non-forced diverged branch is refused: \(start.standardOutput)")
        let result = try site.replicator(["explain", "p", "refs/heads/release/1"])
        #expect(result.status == 0, "\(result.standardError)")
        let text = result.standardOutput
        #expect(text.contains("refs/heads/release/1 is replicated"), "\(text)")
        #expect(
            text.contains("mapped by push = refs/heads/release/*:refs/heads/release/* at \(site.config):6"),
            "\(text)"
        )
        #expect(text.contains("source: \(values["release"]!)") && text.contains("mirror: \(values["mirrorRelease"]!)"))
        #expect(text.contains("an event for it now: rejected: non-fast-forward"), "\(text)")
        #expect(text.contains("last push: rejected at "), "\(text)")

        let json = try #require(
            try JSONSerialization.jsonObject(
                with: Data(try site.replicator(["explain", "p", "refs/heads/main", "--json"]).standardOutput.utf8)
            )
                as? [String: Any]
        )
        let explanation = try #require((json["explanations"] as? [[String: Any]])?.first)
        let last = try #require(explanation["lastOutcome"] as? [String: Any])
        #expect(last["status"] as? String == "ok" && last["newId"] as? String == values["main"], "\(last)")
        #expect((last["at"] as? String)?.hasSuffix("Z") == true, "ISO 8601: \(last)")
        #expect((explanation["delta"] as? [String: Any])?["action"] as? String == "none")
        #expect(explanation["mirrorId"] as? String == values["main"])
    }

    @Test func refsOutsideEveryRefspecAndBadArgumentsAreSaidSo() throws {
        let site = try Site(reconcileInterval: "0")
        let pull = try site.replicator(["explain", "p", "refs/pull/1/head", "--offline"])
        #expect(pull.status == 0)
        #expect(pull.standardOutput.contains("no push line maps it"), "\(pull.standardOutput)")
        #expect(pull.standardOutput.contains("mirror: not listed (--offline)"))
        #expect(pull.standardOutput.contains("note: no task store at"))
        #expect(try site.replicator(["explain", "~root", "refs/heads/main"]).status == 2)
        #expect(try site.replicator(["explain", "p", "refs/heads/a..b"]).status == 2)
        #expect(try site.replicator(["explain", "p", "refs/heads/main", "--remote", "nope"]).status == 2)
        #expect(try site.replicator(["explain", "missing", "refs/heads/main"]).status == 1)
    }
}
