import Foundation

/// The layout every end-to-end site is built on: a temporary directory with the sources under
/// `git/` (`gerrit.basePath = ../git`), mirrors beside them, and `etc/replication.config`. Each
/// suite's own `Site` keeps its topology (which mirrors, which remotes) and builds it with this.
package struct SiteLayout: Sendable {
    package let directory: TemporaryDirectory

    package init(_ prefix: String) throws {
        self.directory = try TemporaryDirectory(prefix)
    }

    /// `etc/replication.config`.
    package var config: String { self.directory.path("etc/replication.config") }

    package func path(_ relative: String) -> String { self.directory.path(relative) }

    /// The source repository of `project`.
    package func source(_ project: String = "p") -> String { self.directory.path("git/\(project).git") }

    /// Creates `project`'s source with `refs` (ref, commit message); their ids by ref.
    @discardableResult
    package func makeSource(_ project: String = "p", refs: [(String, String)]) throws -> [String: String] {
        try GitFixtures.makeRepository(at: self.source(project), refs: refs)
    }

    /// Creates a bare repository at `relative` (a mirror), with `refs` of its own.
    @discardableResult
    package func makeMirror(_ relative: String, refs: [(String, String)] = []) throws -> String {
        let path = self.directory.path(relative)
        try GitFixtures.makeRepository(at: path, refs: refs)
        return path
    }

    package func writeConfig(_ text: String) throws {
        try self.directory.write(text, to: "etc/replication.config")
    }

    /// A remote's lines for mirrors under `relative` behind `server`: its url, its key, its host key.
    package func sshRemote(_ server: SSHServer, mirrorsIn relative: String) -> String {
        "url = \(self.sshURL(server, mirrorsIn: relative))\n  \(Self.sshAccess(server))"
    }

    /// The url template of mirrors under `relative` behind `server`.
    package func sshURL(_ server: SSHServer, mirrorsIn relative: String) -> String {
        "\(server.url(self.directory.path(relative)))/${name}.git"
    }

    /// A remote's key and host key lines for `server` (for a test that keeps its lines in place).
    package static func sshAccess(_ server: SSHServer) -> String {
        "identityFile = \(server.clientKey)\n  knownHostsFile = \(server.knownHosts)"
    }

    /// `replicator serve` on this site's configuration, logging to `log` in the site.
    package func serve(port: Int, log: String = "serve.log", arguments: [String] = []) throws -> ServedReplicator {
        try ServedReplicator(config: self.config, port: port, log: self.directory.path(log), arguments: arguments)
    }
}
