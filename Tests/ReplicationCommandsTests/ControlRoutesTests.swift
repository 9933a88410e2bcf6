import Foundation
import ReplicationTestSupport
import Testing

/// `POST /start` and `POST /allow-deletions`, used by `start --daemon URL` and `allow-deletions
/// --daemon URL` from a "host" without the configuration or the store (the client is given a
/// configuration path that does not exist): token-guarded, long-polling with `--wait`, and
/// refusing bad selections with a reason.
@Suite(.offThePool)
struct ControlRoutesTests {
    static let token = "control-route-token-1234"

    static func remote(_ arguments: [String], token: String? = Self.token) throws -> ReplicatorProcess.Result {
        try ReplicatorProcess.run(
            arguments + ["--config", "/nonexistent/replication.config"],
            environment: token.map { ["REPLICATOR_TOKEN": $0] } ?? [:]
        )
    }

    @Test func startThroughTheDaemonWaitsForEveryURLAndSaysWhatHappened() throws {
        let site = try LocalSite(extra: "[replicator]\n  bearerToken = \(Self.token)")
        try GitFixtures.makeRepository(at: site.mirror())
        try site.serve()
        defer { site.stop() }

        let started = try Self.remote(["start", "--daemon", site.base, "--all", "--now", "--wait"])
        #expect(started.status == 0, "\(started.standardOutput)\(started.standardError)\n\(site.daemon?.log ?? "")")
        #expect(
            started.standardOutput.contains("p -> \(site.mirror()) (remote mirror): ok (1 ok)"),
            "\(started.standardOutput)"
        )
        #expect(try GitFixtures.refs(of: site.mirror()) == (try GitFixtures.refs(of: site.source())))

        let gerrit = try Self.remote(["start", "--daemon", site.base, "--all", "--now", "--wait", "--format", "gerrit"])
        #expect(gerrit.standardOutput.contains("Replicate p refs ..all.. to \(site.mirror()), Succeeded! (OK)"))
        #expect(gerrit.standardOutput.hasSuffix("Replication completed successfully!\n"), "\(gerrit.standardOutput)")

        let queued = try Self.remote(["start", "--daemon", site.base, "p"])
        #expect(queued.status == 0 && queued.standardOutput.contains("Queued a full sync of 1 project(s)"))

        let unknown = try Self.remote(["start", "--daemon", site.base, "--all", "--remote", "nope"])
        #expect(unknown.status == 1)
        #expect(unknown.standardError.contains("400") && unknown.standardError.contains("unknown remote nope"))
        let missing = try Self.remote(["start", "--daemon", site.base, "absent", "--wait"])
        #expect(missing.status == 1 && missing.standardOutput.contains("no such project: absent"), "\(missing)")

        // status --json while the daemon answers: /status's document, marked as running.
        let status = try site.replicator(["status", "--json", "--listen", "127.0.0.1:\(site.port)"])
        let document = try #require(
            try JSONSerialization.jsonObject(with: Data(status.standardOutput.utf8)) as? [String: Any],
            "\(status.standardOutput)\(status.standardError)"
        )
        #expect(document["daemon"] as? String == "running" && document["schemaVersion"] as? Int == 1)
        #expect((document["remotes"] as? [Any])?.count == 1 && document["ready"] as? Bool == true)

        let anonymous = try Self.remote(["start", "--daemon", site.base, "--all"], token: nil)
        #expect(anonymous.status == 1 && anonymous.standardError.contains("401"), "\(anonymous.standardError)")
    }

    @Test func allowDeletionsThroughTheDaemonReleasesAHeldPushOnce() throws {
        let site = try LocalSite(
            remote: "push = +refs/heads/*:refs/heads/*\n  mirror = true\n  maxDeletions = 1\n  replicationDelay = 0",
            extra: "[replicator]\n  bearerToken = \(Self.token)"
        )
        try GitFixtures.makeRepository(at: site.mirror(), refs: [("refs/heads/old1", "a"), ("refs/heads/old2", "b")])
        try site.serve()
        defer { site.stop() }
        let none = try Self.remote(["allow-deletions", "p", "--daemon", site.base])
        #expect(none.status == 1 && none.standardOutput.contains("nothing held for p"), "\(none)")

        #expect(try Self.remote(["start", "--daemon", site.base, "--all", "--now"]).status == 0)
        let held = eventually {
            ((try? HTTPClient.get("\(site.base)/status", headers: ["Authorization": "Bearer \(Self.token)"]))?.body
                ?? "")
                .contains(#""state":"held""#)
        }
        #expect(held, "\(site.daemon?.log ?? "")")
        let allowed = try Self.remote(["allow-deletions", "p", "--daemon", site.base])
        #expect(allowed.status == 0, "\(allowed.standardOutput)\(allowed.standardError)")
        #expect(allowed.standardOutput.contains("allowed: p -> \(site.mirror()) (remote mirror), 2 deletion(s)"))
        #expect(
            eventually { (try? GitFixtures.refs(of: site.mirror()))?["refs/heads/old1"] == nil },
            "\(site.daemon?.log ?? "")"
        )
    }
}
