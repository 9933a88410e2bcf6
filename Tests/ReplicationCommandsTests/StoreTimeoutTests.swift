import Foundation
import ReplicationTestSupport
import Testing

/// A database that accepts connections and never answers must not hang a hook (and with it the
/// user's `git push`): `notify`, `hook` and `status` give up after `replicator.storeTimeout`.
@Suite(.timeLimit(.minutes(3)))
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
