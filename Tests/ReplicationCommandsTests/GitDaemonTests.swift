import Foundation
import ReplicationTestSupport
import Testing

/// `git://` mirrors: pushes and dry-run listings go to a real `git daemon --enable=receive-pack` on
/// 127.0.0.1 through the push engine's codec.
// The limit only catches hangs: it also covers waiting for an off-pool slot (OffThePool).
@Suite(.offThePool)
struct GitDaemonTests {
    final class Site {
        let layout: SiteLayout
        let port: Int
        let daemon: BackgroundProcess

        var directory: TemporaryDirectory { self.layout.directory }
        var config: String { self.layout.config }
        var mirror: String { self.directory.path("daemon/p.git") }

        init() throws {
            let layout = try SiteLayout("git-daemon")
            let directory = layout.directory
            self.layout = layout
            let port = try SSHServer.freePort()
            self.port = port
            try layout.makeSource(refs: [("refs/heads/main", "one"), ("refs/tags/v1", "tag")])
            try layout.makeMirror("daemon/p.git")
            self.daemon = try BackgroundProcess(
                "/usr/bin/git",
                [
                    "daemon", "--reuseaddr", "--listen=127.0.0.1", "--port=\(port)", "--export-all",
                    "--enable=receive-pack", "--base-path=\(directory.path("daemon"))", directory.path("daemon"),
                ],
                log: directory.path("git-daemon.log")
            )
            let listening = eventually(timeout: .seconds(10)) {
                (try? Command.git(["ls-remote", "git://127.0.0.1:\(port)/p.git"])) != nil
            }
            #expect(listening, "git daemon did not come up")
            try layout.writeConfig(
                """
                [gerrit]
                  basePath = ../git
                [remote "daemon"]
                  url = git://127.0.0.1:\(port)/${name}.git
                  push = +refs/heads/*:refs/heads/*
                  push = +refs/tags/*:refs/tags/*
                  mirror = true
                  timeout = 10
                """
            )
        }
    }

    @Test func pushesToAGitDaemonAndPreviewsFirst() throws {
        let site = try Site()
        let check = try ReplicatorProcess.run(["config", "check", "--config", site.config])
        #expect(check.status == 0 && !check.standardOutput.contains("not supported"), "\(check.standardOutput)")

        let preview = try ReplicatorProcess.run(["start", "--all", "--dry-run", "--json", "--config", site.config])
        #expect(preview.status == 0, "\(preview.standardOutput)\(preview.standardError)")
        #expect(preview.standardOutput.contains("refs/heads/main"))

        let pushed = try ReplicatorProcess.run(["start", "--all", "--wait", "--now", "--config", site.config])
        #expect(pushed.status == 0, "\(pushed.standardOutput)\(pushed.standardError)")
        let source = try GitFixtures.refs(of: site.directory.path("git/p.git"))
        #expect(try GitFixtures.refs(of: site.mirror) == source)
    }

    /// git daemon cannot create repositories, and a git:// path is never taken for a local one.
    @Test func aMissingRepositoryWithoutAdminURLIsReportedAndNothingLocalIsTouched() throws {
        let site = try Site()
        try GitFixtures.makeRepository(at: site.directory.path("git/q.git"), refs: [("refs/heads/main", "q")])
        let result = try ReplicatorProcess.run(["start", "q", "--wait", "--now", "--json", "--config", site.config])
        #expect(result.status == 1, "\(result.standardOutput)")
        #expect(result.standardOutput.contains("not exported") || result.standardOutput.contains("q.git"))
        #expect(!FileManager.default.fileExists(atPath: "/q.git"), "no local repository at the URL's path")
    }
}
