import Foundation
import ReplicationTestSupport
import Testing

/// SIGKILL in the middle of a push, 20 rounds each over local and ssh mirrors. A local mirror's
/// receive-pack dies with the daemon (PR_SET_PDEATHSIG): the interrupted value never lands. Over
/// ssh the remote receive-pack outlives the daemon and may land after the restart: the mirror must
/// still end at the source's newest value (a push that loses the compare-and-swap to the orphan
/// is retried, never given up; the restart also compares the URL again).
/// Each transport on a thread of its own (the rounds mostly wait on the mirror's slow hook).
@Suite(.offThePool)
struct CrashOrderTests {
    static let rounds = 20

    /// What one round saw, checked on the test's task once the blocking work is done.
    struct Round: Sendable {
        var interruptedPushStarted = false
        var restartedHealthy = false
        var newest = ""
        var mirrorAfterConvergence: String?
        var pendingAfterConvergence = false
        var mirrorLater: String?
        var interrupted = ""
        var landed: [String] = []
        var log = ""
    }

    @Test(arguments: [false, true])
    func aMirrorEndsAtTheNewestValueAfterAKillMidPush(overSSH: Bool) async throws {
        let rounds = try await onOwnThread { try Self.run(overSSH: overSSH) }
        #expect(rounds.count == Self.rounds)
        for (index, round) in rounds.enumerated() {
            #expect(round.interruptedPushStarted && round.restartedHealthy, "round \(index + 1): \(round.log)")
            #expect(round.mirrorAfterConvergence == round.newest, "round \(index + 1): \(round.log)")
            #expect(round.pendingAfterConvergence, "round \(index + 1): nothing left queued")
            #expect(
                round.log.contains("A push was left running by a node that is gone"),
                "round \(index + 1): the restart compares the interrupted push's URL again"
            )
            #expect(round.mirrorLater == round.newest, "round \(index + 1): the orphan never overwrites it")
            if !overSSH {
                #expect(!round.landed.contains(round.interrupted), "round \(index + 1): the local orphan died")
            }
        }
    }

    static func run(overSSH: Bool) throws -> [Round] {
        let directory = try TemporaryDirectory("crash-order")
        let server = overSSH ? try SSHServer() : nil
        let source = directory.path("git/p.git")
        let mirror = directory.path("mirror/p.git")
        try GitFixtures.makeRepository(at: source, refs: [("refs/heads/main", "one")])
        try GitFixtures.makeRepository(at: mirror)
        let started = directory.path("push-started")
        let count = directory.path("push-count")
        let landed = directory.path("landed")
        // Every push takes a while on the mirror, long enough to be killed in the middle of. Over
        // ssh the orphan lands about 2 s after its start: after the restarted daemon (about 1.3 s
        // later) listed the mirror, before its own update (1.5 s after that): its compare-and-swap
        // fails once and is retried.
        try GitFixtures.installHook(
            """
            #!/bin/sh
            n=$(( $(cat '\(count)' 2>/dev/null || echo 0) + 1 )); echo $n > '\(count)'
            touch '\(started)'
            if [ $n -eq 1 ]; then sleep 2; else sleep 1.5; fi

            """,
            named: "pre-receive",
            in: mirror
        )
        try GitFixtures.installHook(
            """
            #!/bin/sh
            [ "$1" = committed ] || exit 0
            while read old new ref; do echo "$new" >> '\(landed)'; done

            """,
            named: "reference-transaction",
            in: mirror
        )
        let url = server.map { "\($0.url(directory.path("mirror")))/${name}.git" } ?? "../mirror/${name}.git"
        let ssh = server.map { "  identityFile = \($0.clientKey)\n  knownHostsFile = \($0.knownHosts)\n" } ?? ""
        let config = directory.path("etc/replication.config")
        try directory.write(
            """
            [gerrit]
              basePath = ../git
            [remote "m"]
              url = \(url)
              push = +refs/heads/*:refs/heads/*
              replicationDelay = 0
              replicationRetry = 1 s
              reconcileInterval = 0
            \(ssh)
            """,
            to: "etc/replication.config"
        )
        let port = try SSHServer.freePort()
        var rounds: [Round] = []
        for number in 1...Self.rounds {
            var round = Round()
            try? FileManager.default.removeItem(atPath: started)
            try? FileManager.default.removeItem(atPath: count)
            let daemon = try ServedReplicator(config: config, port: port, log: directory.path("serve-\(number)a.log"))
            guard daemon.isHealthy() else { return rounds + [round] }
            round.interrupted = try GitFixtures.commit(
                files: ["f": "older \(number)"],
                to: "refs/heads/main",
                in: source
            )
            _ = try daemon.post(GerritEvent.refUpdated("refs/heads/main"))
            round.interruptedPushStarted = eventually { FileManager.default.fileExists(atPath: started) }
            daemon.process.signal(SIGKILL)
            _ = daemon.process.wait()

            round.newest = try GitFixtures.commit(files: ["f": "newest \(number)"], to: "refs/heads/main", in: source)
            // Queued while the daemon is down (a hook's `notify`): the restart pushes it together with
            // the interrupted event, in the one push that the orphan's late landing refuses.
            _ = try ReplicatorProcess.run(["notify", "--project", "p", "--ref", "refs/heads/main", "--config", config])
            let restarted = try ServedReplicator(
                config: config,
                port: port,
                log: directory.path("serve-\(number)b.log")
            )
            round.restartedHealthy = restarted.isHealthy()
            _ = eventually(timeout: .seconds(60)) {
                (try? GitFixtures.refs(of: mirror))?["refs/heads/main"] == round.newest
                    && (try? HTTPClient.get("\(restarted.base)/status").body)?.contains("\"pendingEvents\":0") == true
            }
            round.mirrorAfterConvergence = try GitFixtures.refs(of: mirror)["refs/heads/main"]
            round.pendingAfterConvergence =
                (try? HTTPClient.get("\(restarted.base)/status").body)?.contains("\"pendingEvents\":0") == true
            // The orphan, if it was still running, has landed or failed by now: the value stays.
            usleep(1_200_000)
            round.mirrorLater = try GitFixtures.refs(of: mirror)["refs/heads/main"]
            round.landed = ((try? String(contentsOfFile: landed, encoding: .utf8)) ?? "").split(separator: "\n")
                .map(String.init)
            round.log = restarted.log
            _ = restarted.stop()
            rounds.append(round)
        }
        return rounds
    }
}
