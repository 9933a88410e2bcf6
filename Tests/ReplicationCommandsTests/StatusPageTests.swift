import Foundation
import ReplicationTestSupport
import Testing

/// The status page at `GET /`, loaded by a real browser (headless Chromium) from a running daemon
/// with a failing URL and a held push, and from a healthy one; screenshots at a phone's and a
/// desktop's width land in `.build/` (`status-page-{problems,healthy}-{phone,desktop}.png`).
@Suite(.offThePool)
struct StatusPageTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func chromium(_ arguments: [String]) throws -> String {
        try Command.requireInstalled("/usr/bin/chromium", package: "chromium")
        let output = try Command.run(
            "/usr/bin/chromium",
            ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"] + arguments
        )
        return output.standardOutput
    }

    @Test func aBrowserShowsTheFailingURLTheHeldPushAndRefreshes() async throws {
        let site = try LocalSite(
            remote: "push = +refs/heads/*:refs/heads/*\n  mirror = true\n  maxDeletions = 1\n  replicationDelay = 0",
            extra: """
                [remote "broken"]
                  url = ssh://nobody@127.0.0.1:1/srv/${name}.git
                  replicationDelay = 0
                  replicationRetry = 1
                  reconcileInterval = 0
                """
        )
        try GitFixtures.makeRepository(at: site.mirror(), refs: [("refs/heads/old1", "a"), ("refs/heads/old2", "b")])
        try site.serve()
        defer { site.stop() }
        #expect(try site.replicator(["start", "--all", "--now"]).status == 0)
        let settled = await eventually(timeout: .seconds(30), every: .milliseconds(100)) {
            let body = (try? HTTPClient.get("\(site.base)/status").body) ?? ""
            return body.contains(#""state":"held""#) && body.contains(#""state":"retrying""#)
        }
        #expect(settled, "\(site.daemon?.log ?? "")")

        let plain = try HTTPClient.get("\(site.base)/")
        #expect(plain.status == 200)
        #expect(plain.body.contains("<script>") && !plain.body.contains("http://") && !plain.body.contains("https://"))

        let dom = try Self.chromium(["--virtual-time-budget=7000", "--dump-dom", "\(site.base)/"])
        #expect(
            dom.contains("Held pushes")
                && dom.contains("would delete 2 refs, more than remote.mirror.maxDeletions = 1"),
            "\(dom)"
        )
        #expect(dom.contains("replicator allow-deletions p --remote mirror"), "\(dom)")
        #expect(dom.contains("broken p") && dom.contains("ssh://nobody@127.0.0.1:1/srv/p.git"), "\(dom)")
        #expect(dom.contains("transient since"), "the failing URL's class and time: \(dom)")
        #expect(dom.contains("next retry"), "\(dom)")
        #expect(dom.contains("mirror") && dom.contains("Pending and running pushes"))
        #expect(!dom.contains(#"id="stale" style="display: block"#), "the refresh reached the daemon")

        // What is wrong comes first: the badge names it, and the problems precede the tables.
        #expect(dom.contains(#"id="health" class="bad">1 URL failing, 1 push held</span>"#), "\(dom)")
        let failing = try #require(dom.firstRange(of: "Failing URLs")?.lowerBound)
        let remotes = try #require(dom.firstRange(of: "<h2>Remotes</h2>")?.lowerBound)
        #expect(failing < remotes)
        try await Self.expectLaidOut(site.base, state: "problems")
    }

    /// A site where everything worked: a green "caught up", the last pushes collapsed.
    @Test func aHealthySiteIsGreenWithItsHealthyRowsCollapsed() async throws {
        let site = try LocalSite(remote: "push = +refs/heads/*:refs/heads/*\n  replicationDelay = 0")
        try site.serve()
        defer { site.stop() }
        #expect(try site.replicator(["start", "--all", "--now", "--wait"]).status == 0)
        let dom = try Self.chromium(["--virtual-time-budget=3000", "--dump-dom", "\(site.base)/"])
        #expect(dom.contains(#"id="health" class="good">caught up</span>"#), "\(dom)")
        #expect(dom.contains("<details><summary><h2>Last push per URL</h2></summary>"), "\(dom)")
        try await Self.expectLaidOut(site.base, state: "healthy")
    }

    /// At a phone's width and a desktop's, nothing is wider than the window (the page marks its
    /// own overflow once loaded); screenshots of both land in `.build/`. The browser runs on a
    /// thread of its own, off the test pool.
    static func expectLaidOut(_ base: String, state: String) async throws {
        let captures = try await onOwnThread { () -> [(width: Int, dom: String, png: Data, path: String)] in
            try [("phone", 390), ("desktop", 1280)].map { device, width in
                let dom = try Self.chromium([
                    "--window-size=\(width),1600", "--virtual-time-budget=3000", "--dump-dom", "\(base)/",
                ])
                let screenshot = Self.root.appendingPathComponent(".build/status-page-\(state)-\(device).png").path
                try? FileManager.default.removeItem(atPath: screenshot)
                _ = try Self.chromium(["--window-size=\(width),1600", "--screenshot=\(screenshot)", "\(base)/"])
                return (width, dom, try Data(contentsOf: URL(fileURLWithPath: screenshot)), screenshot)
            }
        }
        for capture in captures {
            #expect(
                capture.dom.contains(#"data-overflow="false""#),
                "\(state) at \(capture.width) px: \(capture.dom.prefix(300))"
            )
            #expect(
                capture.png.count > 10_000 && capture.png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]),
                "\(capture.path)"
            )
        }
    }
}
