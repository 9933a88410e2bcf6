import Foundation
import ReplicationTestSupport
import Testing

/// `replicator start --all --wait` mirroring an 88 MiB history over the test sshd to a mirror that
/// takes 20 MiB a push: killed (SIGKILL) after the first steps landed, run again, it goes on from
/// where the mirror is instead of starting over. Once against a server cap it must discover
/// (`receive.maxInputSize`), once under `maxPushSize` with no server cap.
@Suite(.offThePool)
struct SizeCapResumeTests {
    static let cap = 20 << 20

    @Test(arguments: [true, false])
    func aKilledFirstMirrorResumesWhereItsStepsLeftIt(serverCap: Bool) async throws {
        let directory = try TemporaryDirectory("sizecap-resume")
        let server = try SSHServer()
        let source = directory.path("git/big.git")
        try FileManager.default.createDirectory(atPath: directory.path("git"), withIntermediateDirectories: true)
        let history = try GitFixtures.makeHeavyHistory(at: source, commits: 160, bytesPerCommit: 500_000)
        let mirror = directory.path("ssh/big.git")
        try GitFixtures.makeRepository(at: mirror)
        if serverCap { try Command.git(["config", "receive.maxInputSize", "20m"], in: mirror) }
        let log = directory.path("pushes.log")
        // A second a push, so that the kill lands between steps.
        try GitFixtures.installHook(
            "#!/bin/sh\ncat > /dev/null\nsleep 1\ndu -sb \"$GIT_QUARANTINE_PATH\" | cut -f1 >> \(log)\n",
            named: "pre-receive",
            in: mirror
        )
        try directory.write(
            """
            [gerrit]
              basePath = ../git
            [remote "github"]
              url = \(server.url(directory.path("ssh")))/${name}.git
              push = +refs/*:refs/*
              mirror = true
              identityFile = \(server.clientKey)
              knownHostsFile = \(server.knownHosts)
            \(serverCap ? "" : "  maxPushSize = 20m")
            """,
            to: "etc/replication.config"
        )
        let config = directory.path("etc/replication.config")
        let arguments = ["start", "--wait", "--now", "--all", "--config", config]
        let sizes: @Sendable () -> [Int] = {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap { Int($0) }
        }

        let (killedAfter, mirrorAtKill) = try await onOwnThread {
            let first = try BackgroundProcess(
                ReplicatorProcess.executable.path,
                arguments,
                log: directory.path("first.log")
            )
            _ = eventually(timeout: .seconds(120)) { sizes().count >= 2 }
            first.signal(SIGKILL)
            _ = first.wait()
            return (sizes(), try GitFixtures.refs(of: mirror))
        }
        #expect(killedAfter.count >= 2, "\(killedAfter)")
        #expect(mirrorAtKill != history.refs, "killed before the end")

        let second = try await onOwnThread { try ReplicatorProcess.run(arguments) }
        #expect(second.status == 0, "\(second.standardOutput)\(second.standardError)")
        #expect(try GitFixtures.refs(of: mirror) == history.refs)
        let fsck = try Command.run("git", ["--git-dir", mirror, "fsck", "--strict", "--no-progress"])
        #expect(fsck.status == 0, "\(fsck.standardError)")
        let all = sizes()
        #expect(all.allSatisfy { $0 <= Self.cap }, "\(all)")
        let before = killedAfter.reduce(0, +)
        let after = all.dropFirst(killedAfter.count).reduce(0, +)
        // What landed before the kill was not sent again: the rest of the history, not all of it.
        #expect(
            before + after < history.bytes + history.bytes / 20,
            "before \(before), after \(after) of \(history.bytes)"
        )
        #expect(before > history.bytes / 10, "the kill came after a real part landed: \(before)")
    }
}
