import Foundation
import ReplicationTestSupport
import Testing

/// Events a hostile local user (or an unlucky script) can send: none crashes the daemon or
/// destroys what it should not.
// The limit only catches hangs: it also covers waiting for an off-pool slot (OffThePool).
@Suite(.offThePool)
struct HostileEventTests {
    /// A project named `-x` once became an option of the push worker, which then exited without
    /// reading a configuration snapshot over 64 KiB: the daemon died of SIGPIPE, at every restart.
    @Test func anOptionLookingProjectWithABigConfigurationIsPushed() throws {
        let padding = (0..<1_200).map { "# padding line \($0) to push the configuration past 64 KiB" }
        let site = try LocalSite(projects: ["-x", "p"], extra: padding.joined(separator: "\n"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: site.config)).count > 65_536)
        try site.serve()
        #expect(try site.post(GerritEvent.refUpdated("refs/heads/main", project: "-x")).status == 202)
        #expect(try site.post(GerritEvent.refUpdated("refs/heads/main", project: "p")).status == 202)
        let arrived = eventually(timeout: .seconds(20)) {
            (try? GitFixtures.refs(of: site.mirror("-x"))["refs/heads/main"]) != nil
                && (try? GitFixtures.refs(of: site.mirror("p"))["refs/heads/main"]) != nil
        }
        #expect(arrived, "\(site.daemon?.log ?? "")")
        #expect(site.daemon?.hasExited == false)
        site.stop()
    }

    @Test func projectDeletionIsProvenBeforeAnythingIsDeleted() throws {
        let site = try LocalSite(
            projects: ["p", "gone"],
            remote: "push = +refs/heads/*:refs/heads/*\n  replicationDelay = 0\n  replicateProjectDeletions = true"
        )
        try site.serve()
        #expect(try site.post(GerritEvent.refUpdated("refs/heads/main", project: "p")).status == 202)
        #expect(eventually(timeout: .seconds(20)) { FileManager.default.fileExists(atPath: site.mirror("p")) })

        let live = try site.post(GerritEvent.projectDeleted("p"))
        #expect(live.status == 409, "\(live.body)")
        #expect(live.body.contains("still exists"))
        for name in ["anything/.git", "~root/x", "../etc", "/abs"] {
            #expect(try site.post(GerritEvent.projectDeleted(name)).status == 400, "\(name)")
        }

        // A mirror path that is no git repository (someone's files) is refused there and then.
        try FileManager.default.removeItem(atPath: site.source("gone"))
        try site.directory.write("precious", to: "mirror/gone.git/notes.txt")
        #expect(try site.post(GerritEvent.projectDeleted("gone")).status == 202)
        #expect(
            eventually(timeout: .seconds(20)) { site.daemon?.log.contains("not a git repository") == true },
            "\(site.daemon?.log ?? "")"
        )
        #expect(FileManager.default.fileExists(atPath: site.directory.path("mirror/gone.git/notes.txt")))
        #expect(FileManager.default.fileExists(atPath: site.mirror("p")))
        site.stop()
    }

    /// The reported finding: `basenameOnly`, a URL without `.git`, `project-deleted` for
    /// `anything/.git` ran `rm -rf '<base>/'`.
    @Test func basenameOnlyDeletionNeverReachesTheMirrorBase() throws {
        let site = try LocalSite(
            remote: """
                push = +refs/heads/*:refs/heads/*
                  replicationDelay = 0
                  replicateProjectDeletions = true
                  remoteNameStyle = basenameOnly
                """,
            url: "../mirror/${name}"
        )
        try site.directory.write("other mirror", to: "mirror/other/HEAD")
        try site.serve()
        #expect(try site.post(GerritEvent.projectDeleted("anything/.git")).status == 400)
        #expect(try site.post(GerritEvent.projectDeleted("anything/x.git")).status == 400)
        usleep(500_000)
        #expect(FileManager.default.fileExists(atPath: site.directory.path("mirror/other/HEAD")))
        site.stop()
    }

    /// The reported finding: one POST naming 152 refs deleted 151 remote-only refs. Now an event
    /// deletes only what the source reported, and more than `maxDeletions` is held until allowed.
    @Test func eventDeletionsAreProvenAndGuardedByMaxDeletions() throws {
        let site = try LocalSite(
            remote: """
                push = +refs/heads/*:refs/heads/*
                  replicationDelay = 1
                  replicateDeletions = true
                  maxDeletions = 3
                """
        )
        try site.serve()
        let source = site.source()
        let main = try Command.git(["--git-dir", source, "rev-parse", "refs/heads/main"])
        #expect(try site.post(GerritEvent.refUpdated("refs/heads/main")).status == 202)
        #expect(eventually(timeout: .seconds(20)) { (try? GitFixtures.refs(of: site.mirror()))?.count == 1 })

        // Refs the source never had, named by events without values: nothing is deleted.
        let foreign = (0..<152).map { "refs/heads/x\($0)" }
        let updates = foreign.map { "create \($0) \(main)\n" }.joined()
        #expect(
            try Command.run("git", ["--git-dir", site.mirror(), "update-ref", "--stdin"], input: updates).status == 0
        )
        let body = foreign.map { GerritEvent.refUpdated($0) }.joined(separator: "\n")
        #expect(try site.post(body).status == 202)
        #expect(
            eventually(timeout: .seconds(20)) { site.daemon?.log.contains("not a value the source reported") == true }
        )
        #expect(try GitFixtures.refs(of: site.mirror()).count == 153)

        // Five branches pushed, then deleted at the source: more than maxDeletions, so held.
        let branches = (0..<5).map { "refs/heads/b\($0)" }
        for branch in branches { _ = try Command.git(["--git-dir", source, "update-ref", branch, main]) }
        #expect(try site.post(branches.map { GerritEvent.refUpdated($0) }.joined(separator: "\n")).status == 202)
        #expect(eventually(timeout: .seconds(20)) { (try? GitFixtures.refs(of: site.mirror()))?.count == 158 })
        for branch in branches { _ = try Command.git(["--git-dir", source, "update-ref", "-d", branch]) }
        let zero = String(repeating: "0", count: 40)
        let deletions = branches.map { GerritEvent.refUpdated($0, old: main, new: zero) }.joined(separator: "\n")
        #expect(try site.post(deletions).status == 202)
        let held = eventually(timeout: .seconds(20)) {
            let status = (try? HTTPClient.get("\(site.base)/status"))?.body ?? ""
            return status.contains(#""deletions" : 5"#) || status.contains(#""deletions":5"#)
        }
        #expect(held, "\((try? HTTPClient.get("\(site.base)/status"))?.body ?? "")")
        #expect(try GitFixtures.refs(of: site.mirror()).count == 158, "nothing deleted while held")
        let status = try site.replicator(["status"])
        #expect(status.standardOutput.contains("held: p"), "\(status.standardOutput)")
        #expect(status.standardOutput.contains("replicator allow-deletions p --remote mirror"))

        let allowed = try site.replicator(["allow-deletions", "p", "--remote", "mirror"])
        #expect(allowed.status == 0, "\(allowed.standardOutput)\(allowed.standardError)")
        #expect(eventually(timeout: .seconds(20)) { (try? GitFixtures.refs(of: site.mirror()))?.count == 153 })
        #expect(try GitFixtures.refs(of: site.mirror())["refs/heads/x0"] != nil, "still not the source's to delete")
        let again = eventually(timeout: .seconds(10)) { (try? site.replicator(["allow-deletions", "p"]))?.status == 1 }
        #expect(again, "nothing is held any more")
        site.stop()
    }

    /// The reported finding: `projects = ^(a+)+$` and one event for 40 a's and a b spun the engine
    /// loop forever; nothing else replicated, health stayed green and SIGTERM was ignored.
    @Test func aPathologicalProjectsRegexStallsNothing() throws {
        let site = try LocalSite(
            extra: """
                [remote "slow"]
                  url = ../slow/${name}.git
                  projects = ^(a+)+$
                  replicateProjectDeletions = true
                  replicationDelay = 0
                [replicator]
                  drainTimeout = 5 s
                """
        )
        let check = try site.replicator(["config", "check"])
        #expect(check.standardOutput.contains("nests quantifiers"), "\(check.standardOutput)")
        try site.serve()
        let hostile = String(repeating: "a", count: 40) + "b"
        #expect(try site.post(GerritEvent.projectDeleted(hostile)).status == 202)
        #expect(try site.post(GerritEvent.refUpdated("refs/heads/main")).status == 202)
        let arrived = eventually(timeout: .seconds(20)) {
            (try? GitFixtures.refs(of: site.mirror()))?["refs/heads/main"] != nil
        }
        #expect(arrived, "\(site.daemon?.log ?? "")")
        #expect(site.daemon?.log.contains("takes too long to match") == true)
        #expect(try HTTPClient.get("\(site.base)/healthz").status == 200)
        let daemon = try #require(site.daemon)
        let clock = ContinuousClock()
        let stopping = clock.now
        daemon.signal(SIGTERM)
        let stopped = eventually(timeout: .seconds(15)) { daemon.hasExited }
        #expect(stopped, "SIGTERM stops the daemon within drainTimeout")
        #expect(clock.now - stopping < .seconds(15))
    }

    /// A stored row no event decodes from (another version's, damaged) used to fail every claim,
    /// so nothing replicated: it is set aside, kept, and counted.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3")))
    func anUnreadableStoredEventStallsNothing() throws {
        let site = try LocalSite()
        try site.serve()
        let insert = """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1])
            db.execute("INSERT INTO events (event, source, stored_at, wants_outcomes) VALUES ('{not an event', 'x', 0, 0)")
            db.commit()
            """
        #expect(try Command.run("/usr/bin/python3", ["-c", insert, site.store]).status == 0)
        #expect(try site.post(GerritEvent.refUpdated("refs/heads/main")).status == 202)
        let arrived = eventually(timeout: .seconds(20)) {
            (try? GitFixtures.refs(of: site.mirror()))?["refs/heads/main"] != nil
        }
        #expect(arrived, "\(site.daemon?.log ?? "")")
        let counted = eventually(timeout: .seconds(10)) {
            ((try? HTTPClient.get("\(site.base)/status"))?.body ?? "").contains(#""unreadableEvents":1"#)
        }
        #expect(counted)
        let kept = try Command.run(
            "/usr/bin/python3",
            [
                "-c",
                "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(\"SELECT claimed_by FROM events WHERE event = '{not an event'\").fetchone()[0])",
                site.store,
            ]
        )
        #expect(kept.standardOutput.trimmingCharacters(in: .newlines) == "!unreadable", "kept for a person")
        site.stop()
    }
}
