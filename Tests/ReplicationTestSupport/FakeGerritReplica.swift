import Foundation

/// A Gerrit replica as `gerrit+ssh://` admin URLs see it: the test sshd with fake `gerrit` and
/// `deleteproject` commands on its PATH that record their arguments; `gerrit create-project` makes
/// the bare repository, as Gerrit would.
package final class FakeGerritReplica {
    package let directory: TemporaryDirectory
    package let server: SSHServer
    /// `gerrit+ssh://USER@127.0.0.1:PORT/`.
    package var adminURL: String { "gerrit+ssh://\(self.server.user)@127.0.0.1:\(self.server.port)/" }
    /// Where `create-project` makes repositories: `\(git)/NAME.git`.
    package var git: String { self.directory.path("git") }

    package init(deleteStatus: Int = 0) throws {
        let directory = try TemporaryDirectory("gerrit-replica")
        self.directory = directory
        try directory.write(
            """
            #!/bin/sh
            printf '%s|' "$@" >> \(directory.path("calls")); echo >> \(directory.path("calls"))
            if [ "$1" = create-project ]; then
              for last in "$@"; do :; done
              git init -q --bare \(directory.path("git"))/"$last".git
            fi
            """,
            to: "bin/gerrit"
        )
        try directory.write(
            """
            #!/bin/sh
            printf '%s|' deleteproject "$@" >> \(directory.path("calls")); echo >> \(directory.path("calls"))
            exit \(deleteStatus)
            """,
            to: "bin/deleteproject"
        )
        for tool in ["gerrit", "deleteproject"] {
            try FileManager.default.setAttributes(
                [.posixPermissions: 0o755],
                ofItemAtPath: directory.path("bin/\(tool)")
            )
        }
        self.server = try SSHServer(environment: ["PATH": "\(directory.path("bin")):/usr/bin:/bin"])
    }

    /// Each call's arguments, `|`-separated.
    package var calls: [String] {
        ((try? String(contentsOfFile: self.directory.path("calls"), encoding: .utf8)) ?? "")
            .split(separator: "\n").map(String.init)
    }
}
