import Foundation
import ReplicationTestSupport
import Testing

/// A source site with local-path mirrors and, when asked, a running `replicator serve`: for the
/// tests that need the real binary but no sshd.
final class LocalSite {
    let layout: SiteLayout
    let port: Int
    var daemon: ServedReplicator?

    var directory: TemporaryDirectory { self.layout.directory }
    var config: String { self.layout.config }
    var store: String { self.directory.path("data/replicator/tasks.sqlite") }
    var base: String { "http://127.0.0.1:\(self.port)" }

    func source(_ project: String = "p") -> String { self.layout.source(project) }
    func mirror(_ project: String = "p") -> String { self.directory.path("mirror/\(project).git") }

    /// `remote` is the body of `[remote "mirror"]`, after its url; `extra` follows the remote. The
    /// mirror remote has no reconcile: these tests watch what events do, and a startup round
    /// (VerifyReconcileTests) would repair the mirrors on its own.
    init(
        projects: [String] = ["p"],
        remote: String = "push = +refs/heads/*:refs/heads/*\n  push = +refs/tags/*:refs/tags/*\n  replicationDelay = 0",
        url: String = "../mirror/${name}.git",
        extra: String = ""
    ) throws {
        self.layout = try SiteLayout("site")
        self.port = try SSHServer.freePort()
        for project in projects {
            try self.layout.makeSource(project, refs: [("refs/heads/main", "one")])
        }
        try self.writeConfig(
            """
            [gerrit]
              basePath = ../git
            [remote "mirror"]
              url = \(url)
              \(remote)
              reconcileInterval = 0
            \(extra)
            """
        )
    }

    /// A remote `broken` whose mirrors would go under the configuration file, a regular file: every
    /// push to it fails permanently (`invalid`), with `extra` lines of its own.
    static func brokenRemote(_ extra: String = "") -> String {
        """
        [remote "broken"]
          url = ../etc/replication.config/${name}.git
          push = +refs/heads/*:refs/heads/*
          replicationDelay = 0
          reconcileInterval = 0
        \(extra)
        """
    }

    func writeConfig(_ text: String) throws {
        try self.layout.writeConfig(text)
    }

    func serve(_ extraArguments: [String] = [], expectUp: Bool = true) throws {
        let daemon = try self.layout.serve(
            port: self.port,
            log: "serve-\(UUID().uuidString.prefix(8)).log",
            arguments: extraArguments
        )
        self.daemon = daemon
        guard expectUp else { return }
        #expect(daemon.isHealthy(), "the daemon did not come up: \(daemon.log)")
    }

    func post(_ body: String, headers: [String: String] = [:]) throws -> HTTPClient.Response {
        try HTTPClient.post("\(self.base)/events", body, headers: headers)
    }

    func replicator(_ arguments: [String]) throws -> ReplicatorProcess.Result {
        try ReplicatorProcess.run(arguments + ["--config", self.config])
    }

    func stop() {
        self.daemon?.stop()
        self.daemon = nil
    }
}
