import Foundation
import ReplicationCore
import ReplicationGit
import ReplicationTestSupport
import Testing

/// A `receive-pack` that gets SIGTERM while git's `open` of `refs/heads/x.lock` runs dies before
/// git registered that lock for removal: the empty lock stays, and the mirror refuses the ref. Seen
/// when the daemon was SIGKILLed mid-push (its local receive-pack gets the death signal) in
/// `DaemonEndToEndTests.nothingAcknowledgedIsLostWhenTheDaemonIsKilled`, about one run in thirty
/// under load. These tests replay the leftover itself: an empty lock file.
@Suite(.offThePool)
struct StaleRefLockTests {
    init() { LibGit2.initialize() }

    /// The lock at `path`, empty or with `text`, last modified `age` seconds ago.
    static func makeLock(_ path: String, text: String = "", age: TimeInterval) throws {
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let time = Date().addingTimeInterval(-age)
        try FileManager.default.setAttributes([.modificationDate: time], ofItemAtPath: path)
    }

    @Test(arguments: PushTests.Engine.allCases)
    func anEmptyLockLeftByAnInterruptedGitIsRemovedAndTheNextPushLands(engine: PushTests.Engine) throws {
        let site = try PushTests.makeSite()
        let lock = site.mirror + "/refs/heads/dev.lock"
        try Self.makeLock(lock, age: 60)
        let report = try PushTests.push(site, url: site.mirror, config: PushTests.mirrorConfig, engine: engine)
        #expect(PushTests.statuses(report)["refs/heads/dev"]?.hasPrefix("failed") == true, "\(report.results)")
        #expect(PushTests.statuses(report)["refs/heads/main"] == "ok", "the other refs are pushed")
        #expect(report.removedStaleLocks == ["refs/heads/dev"])
        #expect(!FileManager.default.fileExists(atPath: lock))
        #expect(PushOutcome(report: report).notes["stale-locks.removed"] == "refs/heads/dev")
        let decoded = try JSONDecoder().decode(PushReport.self, from: JSONEncoder().encode(report))
        #expect(decoded.removedStaleLocks == ["refs/heads/dev"], "the store and workers keep it")

        let again = try PushTests.push(site, url: site.mirror, config: PushTests.mirrorConfig, engine: engine)
        #expect(PushTests.statuses(again)["refs/heads/dev"] == "ok", "\(again.results)")
        #expect(again.removedStaleLocks.isEmpty)
        #expect(try site.refs()["refs/heads/dev"] == site.commits[1])
    }

    /// No proof, no removal: a lock made a moment ago, one a process holds open, one with a value
    /// written (a transaction waiting in its reference-transaction hook) and one for a ref that did
    /// not fail all stay, and their refs fail as before.
    @Test func locksWithoutProofOfBeingLeftOverStay() throws {
        let site = try PushTests.makeSite()
        let fresh = site.mirror + "/refs/heads/dev.lock"
        let held = site.mirror + "/refs/heads/main.lock"
        let written = site.mirror + "/refs/heads/rewind.lock"
        let unrelated = site.mirror + "/refs/heads/unrelated.lock"
        try Self.makeLock(fresh, age: 0)
        try Self.makeLock(held, age: 60)
        try Self.makeLock(written, text: site.commits[0] + "\n", age: 60)
        try Self.makeLock(unrelated, age: 60)
        let holder = try #require(FileHandle(forUpdatingAtPath: held))
        defer { try? holder.close() }
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-60)],
            ofItemAtPath: held
        )
        let report = try PushTests.push(site, url: site.mirror, config: PushTests.mirrorConfig)
        for ref in ["refs/heads/dev", "refs/heads/main", "refs/heads/rewind"] {
            #expect(PushTests.statuses(report)[ref]?.hasPrefix("failed") == true, "\(ref): \(report.results)")
        }
        #expect(report.removedStaleLocks.isEmpty)
        for lock in [fresh, held, written, unrelated] {
            #expect(FileManager.default.fileExists(atPath: lock), "\(lock) stays")
        }
    }

    /// Over ssh the mirror's files are not ours to look at: the lock stays, the ref fails.
    @Test func aRemoteMirrorsLockIsNeverTouched() throws {
        let site = try PushTests.makeSite()
        let server = try SSHServer()
        let lock = site.mirror + "/refs/heads/dev.lock"
        try Self.makeLock(lock, age: 60)
        let report = try PushTests.push(site, over: server, config: PushTests.mirrorConfig)
        #expect(PushTests.statuses(report)["refs/heads/dev"]?.hasPrefix("failed") == true)
        #expect(report.removedStaleLocks.isEmpty && FileManager.default.fileExists(atPath: lock))
    }
}
