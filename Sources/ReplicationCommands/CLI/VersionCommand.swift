import ArgumentParser
import ReplicationCore
import ReplicationGit

/// `replicator version`: Replicator's version and the libgit2 it runs on.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print Replicator's version and the libgit2 it is linked with."
    )

    func run() throws {
        let libgit2 = LibGit2.version()
        let ssh = libgit2.supportsSSH ? "ssh" : "no ssh"
        Output.print("replicator \(ReplicatorVersion.text) (libgit2 \(libgit2), \(ssh))")
    }
}
