import Foundation
import ReplicationTestSupport
import Testing

/// `replicator wait` and `GET /wait` against a daemon pushing over the real sshd.
@Suite(.offThePool)
struct WaitTests {
    typealias Site = VerifyReconcileTests.Site

    /// A site whose daemon pushes 2 s after each event, and nothing on its own.
    static func serve(_ site: Site) throws -> ServedReplicator {
        let daemon = try ServedReplicator(
            config: site.config,
            port: try SSHServer.freePort(),
            log: site.directory.path("serve.log")
        )
        #expect(daemon.isHealthy(), "\(daemon.log)")
        return daemon
    }

    static func waitInBackground(_ site: Site, _ arguments: [String]) throws -> BackgroundProcess {
        try BackgroundProcess(
            ReplicatorProcess.executable.path,
            ["wait", "p"] + arguments + ["--config", site.config],
            log: site.directory.path("wait-\(UUID().uuidString.prefix(6)).log")
        )
    }

    @Test func theCommandReturnsSoonAfterThePushAndFailsWithTheReasonOtherwise() throws {
        let site = try Site(reconcileInterval: "0", replicateOnStartup: false, delay: 2)
        let values = try site.drift()
        let daemon = try Self.serve(site)
        defer { daemon.stop() }

        // Arrives after the delay: wait started first, returns 0 right after the push.
        let waiting = try Self.waitInBackground(site, ["refs/heads/main", "--timeout", "60s"])
        usleep(500_000)
        let posted = ContinuousClock.now
        #expect(try daemon.post(GerritEvent.refUpdated("refs/heads/main")).status == 202)
        #expect(waiting.wait() == 0, "\(waiting.log)\n\(daemon.log)")
        let elapsed = posted.duration(to: .now)
        #expect(elapsed >= .seconds(2) && elapsed < .seconds(10), "\(elapsed)")
        #expect(waiting.log.contains("p refs/heads/main at \(values["main"]!): replicated"), "\(waiting.log)")
        #expect(try GitFixtures.refs(of: site.mirror)["refs/heads/main"] == values["main"])

        // Already there: at once.
        let again = try site.replicator(["wait", "p", "refs/heads/main", "--timeout", "5s"])
        #expect(again.status == 0, "\(again.standardOutput)")

        // Never pushed (no event): a timeout, naming the URL.
        let timeout = try site.replicator(["wait", "p", "refs/tags/v3", "--timeout", "2s"])
        #expect(timeout.status == 1)
        #expect(timeout.standardOutput.contains("timeout: not yet at gh ssh://"), "\(timeout.standardOutput)")

        // Refused: the diverged branch under a non-forced refspec.
        let refused = try Self.waitInBackground(site, ["refs/heads/release/1", "--timeout", "60s"])
        usleep(500_000)
        #expect(try daemon.post(GerritEvent.refUpdated("refs/heads/release/1")).status == 202)
        #expect(refused.wait() == 3, "refused has its own exit status")
        #expect(
            refused.log.contains(": refused: gh ssh://") && refused.log.contains("non-fast-forward"),
            "\(refused.log)"
        )

        // Out of scope: no push line maps it.
        try Command.git(["update-ref", "refs/notes/commits", site.base], in: site.source)
        let outside = try site.replicator(["wait", "p", "refs/notes/commits", "--timeout", "5s"])
        #expect(outside.status == 3)
        #expect(
            outside.standardOutput.contains("out-of-scope: matches no push refspec of remote gh"),
            "\(outside.standardOutput)"
        )

        // A typo is no deletion: the source has no such ref, and --deleted is how to wait for one.
        let typo = try site.replicator(["wait", "p", "refs/heads/mian", "--timeout", "5s"])
        #expect(typo.status == 4, "\(typo.standardOutput)\(typo.standardError)")
        #expect(typo.standardError.contains("p has no ref refs/heads/mian"), "\(typo.standardError)")
        #expect(!typo.standardOutput.contains("replicated"))
        let gone = try site.replicator(["wait", "p", "refs/heads/mian", "--deleted", "--timeout", "5s"])
        #expect(gone.status == 0, "nothing to delete anywhere: \(gone.standardOutput)\(gone.standardError)")
        #expect(try site.replicator(["wait", "nosuch", "refs/heads/main", "--timeout", "5s"]).status == 4)
        #expect(try site.replicator(["wait", "p", "refs/heads/main", "--deleted"]).status == 2, "it exists")

        // Usage errors.
        #expect(try site.replicator(["wait", "p", "refs/heads/main", "--sha", "xyz"]).status == 2)
        #expect(try site.replicator(["wait", "~p", "refs/heads/main"]).status == 2)
        #expect(try site.replicator(["wait", "p", "refs/heads/main", "--timeout", "soon"]).status == 2)
    }

    @Test func theLongPollAnswersTheSame() throws {
        let site = try Site(reconcileInterval: "0", replicateOnStartup: false, delay: 2)
        let values = try site.drift()
        let daemon = try Self.serve(site)
        defer { daemon.stop() }
        let base = daemon.base
        @Sendable func get(_ query: String) -> (status: Int, body: String)? {
            (try? HTTPClient.get("\(base)/wait?project=p&\(query)")).map { ($0.status, $0.body) }
        }
        func parsed(_ answer: (status: Int, body: String)?) throws -> (status: Int, json: [String: Any]) {
            let answer = try #require(answer)
            let json = (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8)) as? [String: Any]) ?? [:]
            return (answer.status, json)
        }
        func wait(_ query: String) throws -> (status: Int, json: [String: Any]) { try parsed(get(query)) }

        let pending = Thread.detachNewThreadWithResult { get("ref=refs/heads/dev&timeout=60") }
        usleep(500_000)
        #expect(try daemon.post(GerritEvent.refUpdated("refs/heads/dev")).status == 202)
        let arrived = try parsed(pending.value)
        #expect(arrived.status == 200, "\(arrived.json)")
        #expect(arrived.json["status"] as? String == "replicated" && arrived.json["sha"] as? String == values["dev"])
        let targets = arrived.json["targets"] as? [[String: Any]] ?? []
        #expect(targets.first?["mirrorId"] as? String == values["dev"])

        let late = try wait("ref=refs/tags/v3&timeout=1")
        #expect(late.status == 408 && late.json["status"] as? String == "timeout")

        let refusing = Thread.detachNewThreadWithResult { get("ref=refs/heads/release/1&timeout=60") }
        usleep(500_000)
        #expect(try daemon.post(GerritEvent.refUpdated("refs/heads/release/1")).status == 202)
        let refused = try parsed(refusing.value)
        #expect(refused.status == 409 && refused.json["status"] as? String == "refused", "\(refused.json)")

        try Command.git(["update-ref", "refs/notes/commits", site.base], in: site.source)
        let outside = try wait("ref=refs/notes/commits&timeout=1")
        #expect(outside.status == 409 && outside.json["status"] as? String == "out-of-scope")
        #expect(try wait("ref=refs/heads/main&sha=nothex").status == 400)
        #expect(try wait("ref=refs/heads/main&remote=nope").status == 400)
        #expect(try HTTPClient.get("\(daemon.base)/wait?ref=refs/heads/main").status == 400)
        #expect(try wait("ref=refs/heads/mian&timeout=1").status == 404, "a typo is not a deletion")
        #expect(try wait("ref=refs/heads/mian&deleted=true&timeout=1").status == 200)
        #expect(try HTTPClient.get("\(daemon.base)/wait?project=nosuch&ref=refs/heads/main").status == 404)

        // SIGTERM ends an open long poll at once (503), and the daemon drains and exits.
        let open = Thread.detachNewThreadWithResult { get("ref=refs/tags/v3&timeout=600") }
        usleep(500_000)
        let signalled = ContinuousClock.now
        daemon.process.signal(SIGTERM)
        let ended = try parsed(open.value)
        #expect(ended.status == 503, "\(ended)")
        #expect(signalled.duration(to: .now) < .seconds(10))
        #expect(daemon.process.wait() == 0, "\(daemon.log)")
    }
}

/// A value computed on a thread of its own, read once it is done.
final class ThreadResult<Value: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: Value?

    init(_ body: @escaping @Sendable () -> Value) {
        Thread.detachNewThread {
            self.result = body()
            self.done.signal()
        }
    }

    var value: Value {
        self.done.wait()
        return self.result!
    }
}

extension Thread {
    static func detachNewThreadWithResult<Value: Sendable>(_ body: @escaping @Sendable () -> Value) -> ThreadResult<
        Value
    > {
        ThreadResult(body)
    }
}
