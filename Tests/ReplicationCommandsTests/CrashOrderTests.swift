import Foundation
import ReplicationTestSupport
import Testing

/// SIGKILL in the middle of a push: the interrupted push's receive-pack (a local child, or the
/// remote end of an ssh session) outlives the daemon and lands after the restart. The mirror must
/// still end at the source's newest value: a push that loses the compare-and-swap to the orphan is
/// retried, never given up.
@Suite(.timeLimit(.minutes(5)))
struct CrashOrderTests {
    static let rounds = 2

    @Test(arguments: [false, true])
    func aMirrorEndsAtTheNewestValueAfterAKillMidPush(overSSH: Bool) throws {
        let directory = try TemporaryDirectory("crash-order")
        let server = overSSH ? try SSHServer() : nil
        let source = directory.path("git/p.git")
        let mirror = directory.path("mirror/p.git")
        try GitFixtures.makeRepository(at: source, refs: [("refs/heads/main", "one")])
        try GitFixtures.makeRepository(at: mirror)
        let started = directory.path("push-started")
        let count = directory.path("push-count")
        // Every push takes a while on the mirror, long enough to be killed in the middle of; the
        // pushes after the first of a round take longer, so that the restarted daemon lists the
        // mirror before the orphan lands and updates it after: its compare-and-swap fails once.
        try GitFixtures.installHook(
            """
            #!/bin/sh
            n=$(( $(cat '\(count)' 2>/dev/null || echo 0) + 1 )); echo $n > '\(count)'
            touch '\(started)'
            if [ $n -eq 1 ]; then sleep 3; else sleep 6; fi

            """,
            named: "pre-receive",
            in: mirror
        )
        let url = server.map { "\($0.url(directory.path("mirror")))/${name}.git" } ?? "../mirror/${name}.git"
        let ssh = server.map { "  identityFile = \($0.clientKey)\n  knownHostsFile = \($0.knownHosts)\n" } ?? ""
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
        for round in 1...Self.rounds {
            try? FileManager.default.removeItem(atPath: started)
            try? FileManager.default.removeItem(atPath: count)
            let daemon = try ServedReplicator(
                config: directory.path("etc/replication.config"),
                port: port,
                log: directory.path("serve-\(round)a.log")
            )
            #expect(daemon.isHealthy(), "\(daemon.log)")
            try GitFixtures.commit(files: ["f": "older \(round)"], to: "refs/heads/main", in: source)
            #expect(try daemon.post(GerritEvent.refUpdated("refs/heads/main")).status == 202)
            #expect(eventually { FileManager.default.fileExists(atPath: started) }, "round \(round): \(daemon.log)")
            daemon.process.signal(SIGKILL)
            _ = daemon.process.wait()

            let newest = try GitFixtures.commit(files: ["f": "newest \(round)"], to: "refs/heads/main", in: source)
            // Queued while the daemon is down (a hook's `notify`): the restart pushes it together with
            // the interrupted event, in the one push that the orphan's late landing refuses.
            let notified = try ReplicatorProcess.run([
                "notify", "--project", "p", "--ref", "refs/heads/main", "--config",
                directory.path("etc/replication.config"),
            ])
            #expect(notified.status == 0, "\(notified.standardError)")
            let restarted = try ServedReplicator(
                config: directory.path("etc/replication.config"),
                port: port,
                log: directory.path("serve-\(round)b.log")
            )
            #expect(restarted.isHealthy(), "\(restarted.log)")
            #expect(
                eventually(timeout: .seconds(60)) {
                    (try? GitFixtures.refs(of: mirror))?["refs/heads/main"] == newest
                        && (try? HTTPClient.get("\(restarted.base)/status").body)?.contains("\"pendingEvents\":0")
                            == true
                },
                "round \(round): the mirror ends at the newest value: \(restarted.log)"
            )
            // The orphan, if it was still running, has landed or failed by now: the value stays.
            usleep(3_500_000)
            #expect(try GitFixtures.refs(of: mirror)["refs/heads/main"] == newest, "round \(round)")
            #expect(restarted.stop() == 0)
        }
    }
}
