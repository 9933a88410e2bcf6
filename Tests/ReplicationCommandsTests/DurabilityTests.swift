import Foundation
import ReplicationTestSupport
import Testing

/// "202 only once the events are durably stored": strace watches the running daemon's fsyncs.
// The limit only catches hangs: it also covers waiting for an off-pool slot (OffThePool).
@Suite(.offThePool)
struct DurabilityTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/strace")))
    func everyAcknowledgedPostIsFsyncedBeforeTheAnswer() throws {
        // A long delay: the daemon pushes nothing while strace watches, so every fsync is intake's.
        let site = try LocalSite(remote: "push = +refs/heads/*:refs/heads/*\n  replicationDelay = 600")
        try site.serve()
        let daemon = try #require(site.daemon)
        let trace = site.directory.path("strace.txt")
        let strace = try BackgroundProcess(
            "/usr/bin/strace",
            ["-f", "-qq", "-e", "trace=fsync,fdatasync", "-e", "signal=none", "-o", trace, "-p", "\(daemon.pid)"],
            log: site.directory.path("strace.log")
        )
        // strace prints nothing once attached; wait until the tracer shows in /proc.
        let attached = eventually(timeout: .seconds(10)) {
            let status = (try? String(contentsOfFile: "/proc/\(daemon.pid)/status", encoding: .utf8)) ?? ""
            return status.contains("TracerPid:\t\(strace.pid)")
        }
        #expect(attached)
        usleep(300_000)  // strace attaches to the daemon's threads one after the other
        for index in 0..<3 {
            let response = try site.post(GerritEvent.refUpdated("refs/heads/b\(index)"))
            #expect(response.status == 202, "\(response.body)")
        }
        strace.signal(SIGINT)
        strace.wait()
        let syncs = ((try? String(contentsOfFile: trace, encoding: .utf8)) ?? "").split(separator: "\n")
            .filter { $0.contains("fsync(") || $0.contains("fdatasync(") }
        #expect(syncs.count >= 3, "one fsync per acknowledged commit at least; saw \(syncs)")
        site.stop()
    }
}
