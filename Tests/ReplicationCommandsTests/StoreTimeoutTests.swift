import Foundation
import ReplicationTestSupport
import Testing

/// A database that accepts connections and never answers must not hang a hook (and with it the
/// user's `git push`): `notify`, `hook` and `status` give up after `replicator.storeTimeout`.
@Suite(.offThePool)
struct StoreTimeoutTests {
    @Test(arguments: ["notify", "hook", "status"])
    func commandsGiveUpOnASilentStore(command: String) throws {
        let silent = try SilentServer()
        let site = try LocalSite(
            extra: "[replicator]\n  storeTimeout = 2 s\n  listen = 127.0.0.1:\(try SSHServer.freePort())"
        )
        let store = "postgres://replicator@127.0.0.1:\(silent.port)/replicator"
        let arguments: [String] =
            switch command {
            case "notify": ["notify", "--project", "p", "--ref", "refs/heads/main"]
            case "hook": ["hook", "post-receive", "--project", "p"]
            default: ["status"]
            }
        let zero = String(repeating: "0", count: 40)
        let started = ContinuousClock.now
        let result = try Command.run(
            ReplicatorProcess.executable.path,
            arguments + ["--config", site.config, "--store", store],
            input: "\(zero) \(String(repeating: "1", count: 40)) refs/heads/main\n"
        )
        let elapsed = ContinuousClock.now - started
        #expect(result.status == 1, "\(result.standardOutput)\(result.standardError)")
        #expect(result.standardError.contains("did not answer within 2s"), "\(result.standardError)")
        #expect(elapsed < .seconds(10), "gave up after \(elapsed)")
    }
}

/// The daemon on a database that stalls mid-run (a silent connection, a failover in progress):
/// every store call is bounded by `storeTimeout`, so it says so and stops on time.
@Suite(.offThePool)
struct StalledStoreTests {
    @Test func aStalledStoreMakesTheDaemonUnhealthyRefusesEventsAndStillStopsOnTime() throws {
        let postgres = try PostgresServer.shared()
        let direct = try postgres.makeDatabase()
        let proxy = try FreezingProxy(to: postgres.port)
        let store = direct.replacingOccurrences(of: ":\(postgres.port)/", with: ":\(proxy.port)/")
        let site = try LocalSite(extra: "[replicator]\n  store = \(store)\n  storeTimeout = 2 s\n  drainTimeout = 2 s")
        try site.serve()
        let daemon = try #require(site.daemon)
        #expect(try site.post(GerritEvent.refUpdated("refs/heads/main")).status == 202)

        proxy.freezeEverything()
        let frozen = ContinuousClock.now
        let base = site.base
        #expect(
            eventually(timeout: .seconds(15)) { (try? HTTPClient.get("\(base)/healthz"))?.status == 503 },
            "\(daemon.log)"
        )
        #expect(frozen.duration(to: .now) < .seconds(5), "within 2 × storeTimeout (and a poll)")
        let posted = ContinuousClock.now
        let refused = try site.post(GerritEvent.refUpdated("refs/heads/main"))
        #expect(refused.status == 503, "\(refused.body)")
        #expect(refused.body.contains("storeTimeout"), "\(refused.body)")
        #expect(posted.duration(to: .now) < .seconds(4), "answered in bounded time")

        let signalled = ContinuousClock.now
        daemon.process.signal(SIGTERM)
        #expect(eventually(timeout: .seconds(20)) { daemon.process.hasExited })
        if !daemon.process.hasExited { daemon.process.signal(SIGQUIT) }
        _ = daemon.process.wait()
        #expect(
            signalled.duration(to: .now) < .seconds(7),
            "drainTimeout (2 s) + 5 s, whatever the store does: \(daemon.log.split(separator: "\n").filter { $0.contains("ServiceLifecycle") || $0.contains("Shutting") || $0.contains("SIG") }.joined(separator: "\n"))"
        )
    }
}
